import Foundation
import Synchronization
import Testing

@testable import WaybillSQLite

/// The helper that renders hub event bodies and stored order states beside the writer: every
/// body comes back, in submission order, whoever rendered it, including the one the helper is
/// still on when the writer finishes.
@Suite("Rendering beside the writer")
struct ParallelRendererTests {
    static func body(_ index: Int) -> [UInt8] { Array("body-\(index)".utf8) }

    /// Polls `condition` for up to ten seconds.
    static func eventually(_ condition: () -> Bool) async -> Bool {
        for _ in 0..<10_000 {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(1))
        }
        return condition()
    }

    @Test("bodies come back in submission order, those rendered by the helper and by the writer alike")
    func order() async {
        let renderer = ParallelRenderer()
        let started = Atomic<Int>(0)
        for index in 0..<ParallelRenderer.wakeAfter {
            renderer.submit {
                started.add(1, ordering: .sequentiallyConsistent)
                return Self.body(index)
            }
        }
        // Enough jobs wait: the helper is woken and renders before the writer asks for anything.
        #expect(await Self.eventually { started.load(ordering: .sequentiallyConsistent) > 0 })
        let total = 5 * ParallelRenderer.wakeAfter + 3
        for index in ParallelRenderer.wakeAfter..<total { renderer.submit { Self.body(index) } }
        let bodies = renderer.finish()
        #expect(bodies == (0..<total).map(Self.body))
    }

    @Test("the writer waits for the body the helper is still rendering")
    func waitsForTheHelper() async {
        let renderer = ParallelRenderer()
        let inSlowJob = Atomic<Bool>(false)
        renderer.submit {
            inSlowJob.store(true, ordering: .sequentiallyConsistent)
            Thread.sleep(forTimeInterval: 0.2)
            return Self.body(0)
        }
        for index in 1..<ParallelRenderer.wakeAfter { renderer.submit { Self.body(index) } }
        #expect(await Self.eventually { inSlowJob.load(ordering: .sequentiallyConsistent) })
        let bodies = renderer.finish()
        #expect(bodies == (0..<ParallelRenderer.wakeAfter).map(Self.body))
    }

    @Test("fewer jobs than wake the helper are rendered by the writer itself")
    func fewJobs() {
        let renderer = ParallelRenderer()
        for index in 0..<3 { renderer.submit { Self.body(index) } }
        #expect(renderer.finish() == (0..<3).map(Self.body))
    }
}
