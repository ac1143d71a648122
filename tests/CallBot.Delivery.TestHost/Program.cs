using System.Globalization;
using System.Text.Json;
using CallBot.Delivery;
using CallBot.Delivery.Upload;
using CallBot.Recording.Sidecar;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

// usage: TestHost <config.json> [<sidecar.json> <recordings root>]
// Runs the delivery services (as the bot registers them) until the upload journal is empty, then prints
// "parts-sent N" (parts this process stored, resumed ones not counted) and exits 0.
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], DisableDefaults = true });
builder.Configuration.AddJsonFile(Path.GetFullPath(args[0]));
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddRecordingDelivery(builder.Configuration);
using var host = builder.Build();
await host.StartAsync();
if (args.Length >= 3)
{
    var sidecar = JsonSerializer.Deserialize(File.ReadAllBytes(args[1]), SidecarJsonContext.Default.SessionSidecar)!;
    host.Services.GetRequiredService<RecordingDelivery>().CallFinalized(sidecar, args[2], args[1]);
}

var journal = host.Services.GetRequiredService<UploadJournal>();
// A separate process without the test support: poll the journal (bounded) until every upload is done.
using var done = new CancellationTokenSource(TimeSpan.FromMinutes(2));
while (journal.Count > 0 && !done.IsCancellationRequested)
{
    await Task.Delay(20);
}

Console.WriteLine("parts-sent " + host.Services.GetRequiredService<MultipartUploader>().PartsSent.ToString(CultureInfo.InvariantCulture));
await host.StopAsync();
return journal.Count == 0 ? 0 : 1;
