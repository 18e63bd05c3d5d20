import WaybillEngine

/// What changing the configuration does to subscriptions, in words (`waybill check --against`).
enum Cutover {
    static func changes(from old: Landscape, to new: Landscape) -> [String] {
        var lines: [String] = []
        for name in Set(old.subscriptions.keys).union(new.subscriptions.keys).sorted() {
            switch (old.subscriptions[name], new.subscriptions[name]) {
            case (nil, let added?):
                lines.append(
                    "+ \(name) (\(added.system), \(added.adapter.kind)): new events of \(added.types.map(\.rawValue).sorted().joined(separator: ", ")) go to it"
                )
            case (let removed?, nil):
                lines.append(
                    "- \(name) (\(removed.system), \(removed.adapter.kind)): removed — its undelivered deliveries would end as dead letters; keep it with retired: true until they finish, or move them (waybill replay move)"
                )
            case (let before?, let after?):
                if !before.retired && after.retired {
                    lines.append(
                        "~ \(name): retired — no new deliveries; those already written finish through \(after.adapter.kind), or move them (waybill replay move)"
                    )
                }
                if before.adapter.kind != after.adapter.kind {
                    lines.append("~ \(name): \(before.adapter.kind) → \(after.adapter.kind), for its undelivered deliveries too")
                }
                if before.types != after.types {
                    lines.append(
                        "~ \(name): types \(before.types.map(\.rawValue).sorted().joined(separator: ", ")) → \(after.types.map(\.rawValue).sorted().joined(separator: ", "))"
                    )
                }
            default: break
            }
        }
        return lines.isEmpty ? ["no change to subscriptions"] : lines
    }
}
