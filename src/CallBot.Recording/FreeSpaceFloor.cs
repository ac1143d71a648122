using System.Globalization;

namespace CallBot.Recording;

/// <summary>The free-space floor of a recordings root (<see cref="RecordingOptions.MinFreeDiskBytes"/>): checked before a recording starts and while it writes.</summary>
internal sealed class FreeSpaceFloor(RecordingOptions options, string recordingsRoot)
{
    /// <summary>The floor holds (or is off); a probe that fails counts as no room.</summary>
    public bool HasRoom(out long free)
    {
        free = -1;
        if (options.MinFreeDiskBytes <= 0)
        {
            return true;
        }

        try
        {
            free = options.FreeSpaceProbe(recordingsRoot);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return false;
        }

        return free >= options.MinFreeDiskBytes;
    }

    /// <param name="free">What <see cref="HasRoom"/> measured; negative when the probe failed.</param>
    public string DiskFullMessage(long free) => free < 0
        ? string.Create(CultureInfo.InvariantCulture,
            $"Recording stopped: the free disk space could not be read, so the {options.MinFreeDiskBytes / (1024 * 1024)} MiB floor (Recording:MinFreeDiskBytes) counts as reached; the call goes on")
        : string.Create(CultureInfo.InvariantCulture,
            $"Recording stopped: free disk space {free / (1024 * 1024)} MiB is below the {options.MinFreeDiskBytes / (1024 * 1024)} MiB floor (Recording:MinFreeDiskBytes); the call goes on");
}
