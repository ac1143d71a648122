using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using Amazon.S3;
using Amazon.S3.Model;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Registry;

namespace CallBot.Delivery.Upload;

/// <summary>
/// Uploads one file as an S3 multipart upload and proves it arrived intact:
/// <list type="bullet">
/// <item>sha256 and MD5 of the whole file are computed first and journaled; sha256 goes into the object's metadata
/// (<c>x-amz-meta-sha256</c>) and the manifest;</item>
/// <item>every part is sent with <c>Content-MD5</c> (S3 rejects a part whose bytes do not match) and the returned ETag
/// must equal the part's MD5 (catches servers that do not check the header); a mismatch is retried;</item>
/// <item>each stored part is journaled before the next is counted, so a restart resumes the same upload id with the missing parts only;</item>
/// <item>after completion a HEAD must show the same size and sha256 metadata; an object already there with both
/// (a crash between complete and journal) counts as done, so a key never gets a second object.</item>
/// </list>
/// Parts of all files share <see cref="UploadOptions.MaxConcurrentParts"/> slots and the rate cap; each slot holds one
/// pooled part buffer, so memory is bounded by slots × part size.
/// </summary>
public sealed class MultipartUploader : IDisposable
{
    public const string Sha256MetadataKey = "sha256";

    private readonly IAmazonS3 _s3;
    private readonly UploadOptions _options;
    private readonly ResiliencePipeline _pipeline;
    private readonly UploadJournal _journal;
    private readonly DeliveryMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _slots;
    private readonly UploadPacer _pacer;

    public MultipartUploader(IAmazonS3 s3, IOptions<UploadOptions> options, ResiliencePipelineProvider<string> pipelines, UploadJournal journal,
        DeliveryMetrics metrics, TimeProvider time, ILogger<MultipartUploader> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(pipelines);
        _s3 = s3;
        _options = options.Value;
        _pipeline = pipelines.GetPipeline(DeliveryResilience.UploadPipeline);
        _journal = journal;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        _slots = new SemaphoreSlim(_options.MaxConcurrentParts, _options.MaxConcurrentParts);
        _pacer = new UploadPacer(_options.MaxBytesPerSecond, time);
    }

    /// <summary>Parts stored by this process (not resumed ones): lets tests and logs tell a resume from a restart.</summary>
    public long PartsSent => Interlocked.Read(ref _partsSent);

    private long _partsSent;

    public async Task UploadAsync(CallUpload call, FileUpload file, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        ArgumentNullException.ThrowIfNull(file);
        var started = Stopwatch.GetTimestamp();
        var path = Path.Combine(call.RootDirectory, file.File);
        if (file.Sha256 is null || file.Md5 is null)
        {
            (file.Size, file.Sha256, file.Md5) = await HashFileAsync(path, cancellationToken).ConfigureAwait(false);
            file.PartSize = _options.PartSizeMiB * 1024 * 1024;
            _journal.Save(call);
        }

        var partCount = (int)Math.Max(1, (file.Size + file.PartSize - 1) / file.PartSize);
        if (await AlreadyStoredAsync(file, cancellationToken).ConfigureAwait(false))
        {
            FinishFile(call, file, path, partCount, partCount, started);
            return;
        }

        if (file.UploadId is null)
        {
            await StartAsync(call, file, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            DeliveryLog.Resuming(_logger, file.Key, file.Parts.Count, partCount, file.UploadId);
        }

        var resumed = file.Parts.Count;
        try
        {
            await SendMissingPartsAsync(call, file, path, partCount, cancellationToken).ConfigureAwait(false);
            await CompleteAsync(call, file, cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonS3Exception ex) when (ex.ErrorCode == "NoSuchUpload" || ex.StatusCode == HttpStatusCode.NotFound)
        {
            // Expired or aborted by a lifecycle rule: the stored parts are gone; start this file over on the next attempt.
            DeliveryLog.UploadGone(_logger, file.Key, file.UploadId ?? "?");
            file.UploadId = null;
            file.Parts.Clear();
            _journal.Save(call);
            throw;
        }

        if (!await AlreadyStoredAsync(file, cancellationToken).ConfigureAwait(false))
        {
            throw new PartIntegrityException($"{file.Key}: after completion the stored object does not show size {file.Size} and sha256 {file.Sha256}");
        }

        FinishFile(call, file, path, partCount, resumed, started);
    }

    public void Dispose() => _slots.Dispose();

    /// <summary>Hashes in one pass (sha256 for the manifest and metadata, MD5 for the ETag checks).</summary>
    internal static async Task<(long Size, string Sha256, string Md5)> HashFileAsync(string path, CancellationToken cancellationToken)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        var buffer = ArrayPool<byte>.Shared.Rent(1 << 20);
        try
        {
            await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan | FileOptions.Asynchronous);
            long size = 0;
            int read;
            while ((read = await stream.ReadAsync(buffer.AsMemory(0, buffer.Length), cancellationToken).ConfigureAwait(false)) > 0)
            {
                sha.AppendData(buffer, 0, read);
                md5.AppendData(buffer, 0, read);
                size += read;
            }

            return (size, Convert.ToHexStringLower(sha.GetHashAndReset()), Convert.ToHexStringLower(md5.GetHashAndReset()));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async Task StartAsync(CallUpload call, FileUpload file, CancellationToken cancellationToken)
    {
        var request = new InitiateMultipartUploadRequest
        {
            BucketName = _options.Bucket,
            Key = file.Key,
            ContentType = ContentTypeOf(file.File),
        };
        request.Metadata.Add(Sha256MetadataKey, file.Sha256);
        var response = await _pipeline.ExecuteAsync(
            async ct => await _s3.InitiateMultipartUploadAsync(request, ct).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        file.UploadId = response.UploadId;
        file.Parts.Clear();
        _journal.Save(call);
    }

    private async Task SendMissingPartsAsync(CallUpload call, FileUpload file, string path, int partCount, CancellationToken cancellationToken)
    {
        HashSet<int> stored;
        lock (call)
        {
            stored = [.. file.Parts.Select(p => p.Number)];
        }

        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.Asynchronous);
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var tasks = new List<Task>();
        for (var number = 1; number <= partCount && !failed.IsCancellationRequested; number++)
        {
            if (stored.Contains(number))
            {
                continue;
            }

            try
            {
                await _slots.WaitAsync(failed.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                break; // a part failed: start no more, wait for those in flight below, then surface the failure
            }

            var partNumber = number;
            tasks.Add(Task.Run(async () =>
            {
                try
                {
                    await SendPartAsync(call, file, handle, partNumber, failed.Token).ConfigureAwait(false);
                }
                catch
                {
                    await failed.CancelAsync().ConfigureAwait(false);
                    throw;
                }
                finally
                {
                    _slots.Release();
                }
            }, CancellationToken.None));
        }

        try
        {
            await Task.WhenAll(tasks).ConfigureAwait(false);
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            // Surface the part's real failure, not the cancellations it caused in its siblings.
            var cause = tasks.Where(t => t.IsFaulted).Select(t => t.Exception!.InnerException!).FirstOrDefault(e => e is not OperationCanceledException);
            if (cause is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(cause);
            }

            throw;
        }
    }

    private async Task SendPartAsync(CallUpload call, FileUpload file, Microsoft.Win32.SafeHandles.SafeFileHandle handle, int number, CancellationToken cancellationToken)
    {
        var offset = (long)(number - 1) * file.PartSize;
        var length = (int)Math.Min(file.PartSize, file.Size - offset);
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(length, 1));
        try
        {
            var read = 0;
            while (read < length)
            {
                var n = await RandomAccess.ReadAsync(handle, buffer.AsMemory(read, length - read), offset + read, cancellationToken).ConfigureAwait(false);
                if (n == 0)
                {
                    throw new IOException($"{file.File} is shorter than journaled ({file.Size} bytes)");
                }

                read += n;
            }

            var md5 = MD5.HashData(buffer.AsSpan(0, length));
            var md5Hex = Convert.ToHexStringLower(md5);
            await _pacer.WaitAsync(length, cancellationToken).ConfigureAwait(false);
            var etag = await _pipeline.ExecuteAsync(async ct =>
            {
                using var body = new MemoryStream(buffer, 0, length, writable: false);
                var response = await _s3.UploadPartAsync(new UploadPartRequest
                {
                    BucketName = _options.Bucket,
                    Key = file.Key,
                    UploadId = file.UploadId,
                    PartNumber = number,
                    PartSize = length,
                    InputStream = body,
                    MD5Digest = Convert.ToBase64String(md5),
                    UseChunkEncoding = false,
                    DisableDefaultChecksumValidation = true,
                }, ct).ConfigureAwait(false);
                var returned = response.ETag.Trim('"');
                if (IsMd5Hex(returned) && !string.Equals(returned, md5Hex, StringComparison.OrdinalIgnoreCase))
                {
                    throw new PartIntegrityException($"{file.Key} part {number}: ETag {returned} is not the MD5 {md5Hex} of the bytes sent");
                }

                return response.ETag;
            }, cancellationToken).ConfigureAwait(false);

            lock (call)
            {
                file.Parts.RemoveAll(p => p.Number == number);
                file.Parts.Add(new PartRecord(number, etag, md5Hex));
            }

            _journal.Save(call);
            Interlocked.Increment(ref _partsSent);
            _metrics.PartStored(length);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async Task CompleteAsync(CallUpload call, FileUpload file, CancellationToken cancellationToken)
    {
        List<PartETag> parts;
        lock (call)
        {
            parts = [.. file.Parts.OrderBy(p => p.Number).Select(p => new PartETag(p.Number, p.ETag))];
        }

        var response = await _pipeline.ExecuteAsync(async ct => await _s3.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
        {
            BucketName = _options.Bucket,
            Key = file.Key,
            UploadId = file.UploadId,
            PartETags = parts,
        }, ct).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        file.ETag = response.ETag;
        file.Location = response.Location;
    }

    /// <summary>True when the key already holds this file (same size, same sha256 metadata, ETag consistent with our MD5s).</summary>
    private async Task<bool> AlreadyStoredAsync(FileUpload file, CancellationToken cancellationToken)
    {
        try
        {
            var head = await _pipeline.ExecuteAsync(async ct => await _s3.GetObjectMetadataAsync(_options.Bucket, file.Key, ct).ConfigureAwait(false),
                cancellationToken).ConfigureAwait(false);
            if (head.ContentLength != file.Size || head.Metadata[Sha256MetadataKey] != file.Sha256)
            {
                return false;
            }

            var etag = head.ETag.Trim('"');
            if (!string.Equals(etag, file.Md5, StringComparison.OrdinalIgnoreCase) && !string.Equals(etag, MultipartETag(file), StringComparison.OrdinalIgnoreCase)
                && (IsMd5Hex(etag) || etag.Contains('-', StringComparison.Ordinal)))
            {
                // The ETag is an MD5 form but neither the whole-file MD5 (s3rver and some S3-compatibles) nor the S3
                // multipart form md5(part md5s)-N: the stored bytes differ.
                throw new PartIntegrityException($"{file.Key}: stored ETag {etag} matches neither the file's MD5 nor its multipart MD5");
            }

            file.ETag ??= head.ETag;
            return true;
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    private void FinishFile(CallUpload call, FileUpload file, string path, int partCount, int resumed, long started)
    {
        file.Uploaded = true;
        file.Location ??= LocationOf(file.Key);
        _journal.Save(call);
        var took = Stopwatch.GetElapsedTime(started);
        _metrics.FileUploaded(took);
        DeliveryLog.FileUploaded(_logger, file.Key, file.Size, partCount, resumed, took.TotalSeconds, file.Sha256!);
        if (_options.DeleteAfterUpload)
        {
            File.Delete(path);
        }
    }

    internal string LocationOf(string key) =>
        _options.ServiceUrl.Length > 0 ? $"{_options.ServiceUrl.TrimEnd('/')}/{_options.Bucket}/{key}" : $"s3://{_options.Bucket}/{key}";

    /// <summary>S3's multipart ETag: MD5 of the concatenated binary part MD5s, dash, part count.</summary>
    internal static string? MultipartETag(FileUpload file)
    {
        if (file.Parts.Count == 0)
        {
            return null;
        }

        var all = file.Parts.OrderBy(p => p.Number).SelectMany(p => Convert.FromHexString(p.Md5)).ToArray();
        return Convert.ToHexStringLower(MD5.HashData(all)) + "-" + file.Parts.Count.ToString(CultureInfo.InvariantCulture);
    }

    private static bool IsMd5Hex(string etag) => etag.Length == 32 && etag.All(char.IsAsciiHexDigit);

    private static string ContentTypeOf(string file) => Path.GetExtension(file).ToUpperInvariant() switch
    {
        ".WEBM" => "video/webm",
        ".MKV" => "video/x-matroska",
        ".MP4" => "video/mp4",
        ".JSON" => "application/json",
        _ => "application/octet-stream",
    };
}
