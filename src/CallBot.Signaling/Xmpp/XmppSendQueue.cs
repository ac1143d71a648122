namespace CallBot.Signaling.Xmpp;

/// <summary>Bounded FIFO of serialized stanzas waiting for the connection; each completes when it was written.</summary>
internal sealed class XmppSendQueue(int capacity)
{
    internal sealed class Item(string xml)
    {
        public string Xml { get; } = xml;
        public TaskCompletionSource Sent { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private readonly Queue<Item> _items = new();
    private readonly Lock _lock = new();

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _items.Count;
            }
        }
    }

    /// <summary>Null when full.</summary>
    public Task? TryEnqueue(string xml)
    {
        lock (_lock)
        {
            if (_items.Count >= capacity)
            {
                return null;
            }
            var item = new Item(xml);
            _items.Enqueue(item);
            return item.Sent.Task;
        }
    }

    public Item? Peek()
    {
        lock (_lock)
        {
            return _items.TryPeek(out var item) ? item : null;
        }
    }

    /// <summary>The head was written: remove it and release its sender.</summary>
    public void CompleteHead(Item item)
    {
        lock (_lock)
        {
            if (_items.TryPeek(out var head) && ReferenceEquals(head, item))
            {
                _items.Dequeue();
            }
        }
        item.Sent.TrySetResult();
    }

    public void FailAll(Exception error)
    {
        Item[] items;
        lock (_lock)
        {
            items = [.. _items];
            _items.Clear();
        }
        foreach (var item in items)
        {
            item.Sent.TrySetException(error);
        }
    }
}
