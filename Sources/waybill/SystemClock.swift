import Foundation
import WaybillCore
import WaybillEngine

/// The system clock, used only at the composition root.
struct SystemClock: HubClock {
    func now() -> Timestamp { Timestamp(milliseconds: Int64((Date().timeIntervalSince1970 * 1000).rounded())) }
}
