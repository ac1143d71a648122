using System.Text;
using System.Text.Json.Nodes;
using CallBot.TestSupport.Rest;
using CallBot.Worker.Cloud;
using Microsoft.Extensions.DependencyInjection;

namespace CallBot.Worker.Tests.Cloud;

/// <summary>
/// Golden REST tests: the JS SDK's own code (Node, <see cref="SdkRestGolden"/>) and CallBot's <see cref="ConnectyCubeApi"/>
/// each play the same scenario against their own recorder answering like the API, and every request must match: method,
/// path, the headers the server reads (<c>Content-Type</c>, <c>CB-Token</c>, <c>CB-AuthKey</c>; <c>CB-SDK</c> present, its
/// value names the client) and the body byte for byte (the push message compared decoded too, for a readable failure).
/// SDK 6.1.2 does not sign session requests (no nonce, timestamp or signature), so nothing needs normalising; should a
/// future SDK sign them, <see cref="Sdk_session_requests_are_not_signed"/> fails and says what to add.
/// </summary>
public sealed class CloudGoldenTests(SdkRestGolden golden) : IClassFixture<SdkRestGolden>
{
    private static readonly ApiCredentials User = new("golden-bot-1", "golden-pass-1");

    private static readonly string[] Steps =
    [
        "POST /session.json",
        "POST /users.json",
        "POST /login.json",
        "POST /session.json",
        "POST /events.json",
        $"DELETE /users/{FakeCloudApi.FirstUserId}.json",
    ];

    private static readonly string[] HeadersThatMatter = ["content-type", "cb-token", "cb-authkey"];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void Sdk_plays_the_golden_scenario()
    {
        Assert.Equal(Steps, golden.Requests.Select(r => r.ToString()));
        Assert.StartsWith("JS 6.1.2", golden.Requests[0].Header("cb-sdk"), StringComparison.Ordinal);
    }

    [Fact]
    public void Sdk_session_requests_are_not_signed()
    {
        foreach (var request in golden.Requests.Where(r => r.Path == "/session.json"))
        {
            var body = JsonNode.Parse(request.Body)!.AsObject();
            foreach (var signed in new[] { "signature", "nonce", "timestamp" })
            {
                Assert.False(body.ContainsKey(signed), $"The SDK now sends '{signed}' in {request}: ConnectyCubeApi.CreateSessionAsync must sign (HMAC-SHA1 of the sorted params) and this test must normalise it.");
            }
        }
    }

    [Fact]
    public async Task CallBot_sends_what_the_sdk_sends_for_session_login_users_and_push()
    {
        var api = new FakeCloudApi();
        await using var recorder = new RestRecorder(api.Answer);
        await using var services = CloudTestHost.Create(recorder.BaseUrl);
        var rest = services.GetRequiredService<ConnectyCubeApi>();

        var app = await rest.CreateSessionAsync(null, Ct);
        var created = await rest.SignUpAsync(app.Token, User, Ct);
        var loggedIn = await rest.LoginAsync(app.Token, User, Ct);
        var session = await rest.CreateSessionAsync(User, Ct);
        await rest.CreatePushEventAsync(session.Token, new CallPushEvent([1002, 1003], "production", "Incoming call from 1001", VoIP: true, 1001, [1002, 1003], "golden-session-id", "video"), Ct);
        await rest.DeleteUserAsync(session.Token, session.UserId, Ct);

        Assert.Equal(FakeCloudApi.FirstUserId, created.Id);
        Assert.Equal(created, loggedIn);
        Assert.Equal(FakeCloudApi.FirstUserId, session.UserId);
        Assert.Empty(api.Logins); // the delete went through on the fake server
        var ours = recorder.Requests;
        Assert.Equal(Steps, ours.Select(r => r.ToString()));
        for (var i = 0; i < Steps.Length; i++)
        {
            AssertSameRequest(golden.Requests[i], ours[i]);
        }
    }

    private static void AssertSameRequest(RecordedRequest sdk, RecordedRequest ours)
    {
        Assert.Equal(sdk.Method, ours.Method);
        Assert.Equal(sdk.Path, ours.Path);
        foreach (var header in HeadersThatMatter)
        {
            Assert.True(sdk.Header(header) == ours.Header(header), $"{sdk}: header {header}: SDK '{sdk.Header(header)}', CallBot '{ours.Header(header)}'");
        }

        Assert.False(string.IsNullOrEmpty(ours.Header("cb-sdk")), $"{ours}: no CB-SDK header");
        if (sdk.Path == "/events.json")
        {
            // The payload inside the base64 message, decoded: a mismatch there reads better than two base64 strings.
            Assert.Equal(PushPayload(sdk.Body), PushPayload(ours.Body));
        }

        Assert.Equal(sdk.Body, ours.Body);
    }

    private static string PushPayload(string body) =>
        Encoding.UTF8.GetString(Convert.FromBase64String((string)JsonNode.Parse(body)!["event"]!["message"]!));
}
