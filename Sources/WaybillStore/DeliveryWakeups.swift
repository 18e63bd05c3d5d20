/// A store that tells the hub's nodes when new deliveries were written, by any of them, so a
/// node's scheduler need not wait for its next poll to see them (PostgreSQL's `LISTEN`/`NOTIFY`).
///
/// A wake-up is a hint, never the only way work is found: one may be lost (the listening
/// connection broke, the server restarted) or come early or twice, so the scheduler keeps polling
/// behind it and a lost wake-up costs at most a poll interval. A store that only this process
/// uses (SQLite) needs none.
public protocol DeliveryWakeups: Sendable {
    /// One element each time deliveries may have become due (a write committed new ones, or the
    /// store was listening again after a break and may have missed some), for as long as the
    /// stream is consumed. Wake-ups that arrive while the last one is not consumed yet are one.
    /// The store listens while the stream lives: ending the iteration (cancelling its task) stops it.
    func deliveryWakeups() -> AsyncStream<Void>
}
