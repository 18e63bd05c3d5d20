import Testing

@testable import WaybillSQLite

@Suite("WAL checkpoint size follows how busy the writer is")
struct CheckpointPolicyTests {
    let start = ContinuousClock.now

    @Test("an idle writer checkpoints small; a saturated one large; back to small when the load drops")
    func followsLoad() {
        let policy = CheckpointPolicy(now: start)
        #expect(policy.pagesToApply(at: start) == CheckpointPolicy.idlePages)
        #expect(policy.pagesToApply(at: start + .milliseconds(10)) == nil, "unchanged: nothing to apply")
        // 240 of 250 ms in transactions: saturated for the next window.
        policy.record(busy: .milliseconds(240))
        #expect(policy.pagesToApply(at: start + .milliseconds(250)) == CheckpointPolicy.busyPages)
        #expect(policy.isSaturated)
        // A quiet window: small checkpoints again.
        policy.record(busy: .milliseconds(20))
        #expect(policy.pagesToApply(at: start + .milliseconds(500)) == CheckpointPolicy.idlePages)
        #expect(!policy.isSaturated)
    }

    @Test("a writer busy 80 % of the time (1,000 events/s with room to spare) stays on small checkpoints")
    func moderateLoadStaysSmall() {
        let policy = CheckpointPolicy(now: start)
        _ = policy.pagesToApply(at: start)
        policy.record(busy: .milliseconds(200))
        #expect(policy.pagesToApply(at: start + .milliseconds(250)) == nil)
        #expect(!policy.isSaturated)
    }
}
