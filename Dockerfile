# syntax=docker/dockerfile:1
# CallBot: build with the .NET SDK, run on the .NET runtime image (Debian 12) with Debian's FFmpeg.
#   docker build -t callbot .
#   docker run --rm -v "$PWD/recordings:/recordings" callbot run --config /app/appsettings.json

FROM mcr.microsoft.com/dotnet/sdk:10.0-bookworm-slim AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props ./
COPY src/ src/
# ReadyToRun for the target architecture, as ./callbot publishes: a pod's start does not wait for the JIT
# (docs/performance.md §startup). TARGETARCH is set by BuildKit (amd64 | arm64).
ARG TARGETARCH
RUN case "$TARGETARCH" in arm64) rid=linux-arm64 ;; *) rid=linux-x64 ;; esac \
 && dotnet publish src/CallBot.Worker/CallBot.Worker.csproj -c Release -r "$rid" --self-contained false \
      -p:PublishReadyToRun=true -o /app --nologo

FROM mcr.microsoft.com/dotnet/runtime:10.0-bookworm-slim AS runtime
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ffmpeg fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 callbot \
 && useradd --system --uid 10001 --gid callbot --home-dir /app --shell /usr/sbin/nologin callbot \
 && mkdir -p /recordings && chown callbot:callbot /recordings && chmod 0700 /recordings
WORKDIR /app
COPY --from=build /app ./
ENV DOTNET_gcServer=0 \
    CallBot__Recording__Directory=/recordings \
    CallBot__Upload__JournalDirectory=/recordings/.delivery/uploads \
    CallBot__Webhooks__QueueDirectory=/recordings/.delivery/webhooks \
    CallBot__Telemetry__HealthPrefix=http://+:8080/
VOLUME ["/recordings"]
EXPOSE 8080 9464
USER callbot:callbot
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD ["dotnet", "/app/callbot.dll", "health", "--url", "http://127.0.0.1:8080/readyz"]
ENTRYPOINT ["dotnet", "/app/callbot.dll"]
CMD ["run"]
