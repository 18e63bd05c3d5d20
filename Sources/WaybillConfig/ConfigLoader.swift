import Foundation
import WaybillCore
import WaybillEngine
import Yams

/// Reads and validates `waybill.yml`. Every problem is reported with its key path and line;
/// a file with any problem is refused as a whole.
///
/// ```swift
/// let config = try ConfigLoader.load(path: "waybill.yml", environment: ProcessInfo.processInfo.environment)
/// ```
public enum ConfigLoader {
    public static func load(path: String, environment: [String: String]) throws -> HubConfiguration {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw ConfigProblems(problems: [ConfigProblem(path: "", line: nil, message: "cannot read \(path): \(error.localizedDescription)")])
        }
        return try parse(text, environment: environment, directory: URL(fileURLWithPath: path).deletingLastPathComponent().path)
    }

    /// - Parameter directory: where mapping files named in the configuration are found (default:
    ///   the working directory).
    public static func parse(_ text: String, environment: [String: String], directory: String? = nil) throws -> HubConfiguration {
        let node: Node?
        do { node = try Yams.compose(yaml: text) } catch {
            throw ConfigProblems(problems: [ConfigProblem(path: "", line: nil, message: "not valid YAML: \(error)")])
        }
        var reader = ConfigReader(environment: environment)
        reader.directory = directory ?? FileManager.default.currentDirectoryPath
        var config = reader.read(node)
        config.mappingFiles = reader.mappingFiles
        if !reader.problems.isEmpty { throw ConfigProblems(problems: reader.problems) }
        return config
    }
}

/// Walks the YAML tree, collecting problems rather than stopping at the first.
struct ConfigReader {
    let environment: [String: String]
    /// Where mapping files are found.
    var directory = "."
    /// The mapping files read, resolved.
    var mappingFiles: [String] = []
    var problems: [ConfigProblem] = []
    /// Which entry each key or token was given to, by its key path.
    var secretOwners: [String: String] = [:]

    init(environment: [String: String]) { self.environment = environment }

    mutating func problem(_ path: String, _ node: Node?, _ message: String) {
        problems.append(ConfigProblem(path: path, line: node?.mark.map { $0.line }, message: message))
    }

    func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// The members of a mapping, refusing keys not in `allowed`.
    mutating func mapping(_ node: Node?, _ path: String, allowed: Set<String>) -> [String: Node] {
        guard let node else { return [:] }
        guard case .mapping(let mapping) = node else {
            problem(path, node, "expected a mapping")
            return [:]
        }
        var members: [String: Node] = [:]
        for (key, value) in mapping {
            guard let name = key.string else {
                problem(path, key, "keys must be strings")
                continue
            }
            guard allowed.contains(name) else {
                let hint = allowed.min { distance($0, name) < distance($1, name) }.map { " (did you mean \($0)?)" } ?? ""
                problem(join(path, name), key, "unknown key\(hint)")
                continue
            }
            members[name] = value
        }
        return members
    }

    mutating func sequence(_ node: Node?, _ path: String) -> [Node] {
        guard let node else { return [] }
        guard case .sequence(let items) = node else {
            problem(path, node, "expected a list")
            return []
        }
        return Array(items)
    }

    mutating func string(_ node: Node?, _ path: String, required: Bool = false) -> String? {
        guard let node else {
            if required { problems.append(ConfigProblem(path: path, line: nil, message: "is required")) }
            return nil
        }
        guard case .scalar(let scalar) = node, !scalar.string.isEmpty else {
            problem(path, node, "expected a non-empty value")
            return nil
        }
        return scalar.string
    }

    /// A secret given inline (`key`) or by environment variable (`keyEnv`).
    mutating func secret(_ members: [String: Node], _ key: String, _ path: String, required: Bool) -> String? {
        if let inline = members[key] { return string(inline, join(path, key)) }
        if let variable = string(members[key + "Env"], join(path, key + "Env")) {
            guard let value = environment[variable], !value.isEmpty else {
                problem(join(path, key + "Env"), members[key + "Env"], "environment variable \(variable) is not set")
                return nil
            }
            return value
        }
        if required { problems.append(ConfigProblem(path: join(path, key), line: nil, message: "is required (or \(key)Env)")) }
        return nil
    }

    /// Refuses a key or token already given to another system or person: it would sign in as
    /// whichever of the two was read last.
    mutating func claim(_ secret: String?, _ members: [String: Node], _ key: String, _ path: String) {
        guard let secret else { return }
        let given = members[key] != nil ? key : key + "Env"
        if let owner = secretOwners[secret] {
            problem(join(path, given), members[given], "the same secret as \(owner); every key and token must be different")
        } else {
            secretOwners[secret] = join(path, given)
        }
    }

    mutating func eventTypes(_ node: Node?, _ path: String) -> Set<EventType> {
        var types: Set<EventType> = []
        for (i, item) in sequence(node, path).enumerated() {
            guard let name = string(item, "\(path)[\(i)]") else { continue }
            guard let type = EventType(rawValue: name) else {
                problem("\(path)[\(i)]", item, "\"\(name)\" is not in the event catalog")
                continue
            }
            types.insert(type)
        }
        return types
    }

    mutating func duration(_ node: Node?, _ path: String) -> Int64? {
        guard let text = string(node, path) else { return nil }
        guard let value = Duration.milliseconds(text) else {
            problem(path, node, "\"\(text)\" is not a duration such as 500ms, 30s, 15m, 24h")
            return nil
        }
        return value
    }

    /// `rateLimit: { perSecond: N, burst: M }`: `perSecond` above 0 (decimals allowed), `burst` a
    /// whole number of at least 1 (default: twice `perSecond`).
    mutating func rateLimit(_ node: Node?, _ path: String) -> RateLimit? {
        guard let node else { return nil }
        let members = mapping(node, path, allowed: ["perSecond", "burst"])
        guard case .mapping = node else { return nil }
        let perSecondPath = join(path, "perSecond"), burstPath = join(path, "burst")
        var perSecond: Double?
        if members["perSecond"] == nil {
            problem(perSecondPath, node, "is required")
        } else if let text = string(members["perSecond"], perSecondPath) {
            if text.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }), let value = Double(text), value > 0, value.isFinite {
                perSecond = value
            } else {
                problem(perSecondPath, members["perSecond"], "expected a number of requests per second above 0, such as 500")
            }
        }
        var burst: Double?
        if let text = string(members["burst"], burstPath) {
            if text.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int(text), value >= 1 {
                burst = Double(value)
            } else {
                problem(burstPath, members["burst"], "expected a whole number of requests of at least 1, such as 1000")
            }
        }
        guard let perSecond, burst != nil || members["burst"] == nil else { return nil }
        return RateLimit(perSecond: perSecond, burst: burst ?? max(1, (2 * perSecond).rounded(.up)))
    }

    // MARK: The file

    mutating func read(_ root: Node?) -> HubConfiguration {
        var config = HubConfiguration()
        guard let root else { return config }
        let top = mapping(root, "", allowed: ["store", "nodes", "retention", "listen", "policies", "slo", "rateLimit", "users", "systems"])
        if let text = string(top["store"], "store") {
            if let location = StoreLocation(text) { config.store = location } else { problem("store", top["store"], "expected sqlite:PATH or postgres://…") }
        }
        let nodes = mapping(top["nodes"], "nodes", allowed: ["lease"])
        if let ms = duration(nodes["lease"], "nodes.lease") {
            if ms >= 1_000 { config.leaseMilliseconds = ms } else { problem("nodes.lease", nodes["lease"], "expected at least 1s") }
        }
        let retention = mapping(top["retention"], "retention", allowed: ["deliveries", "heartbeats"])
        config.retention.deliveredMilliseconds = duration(retention["deliveries"], "retention.deliveries")
        config.retention.heartbeatMilliseconds = duration(retention["heartbeats"], "retention.heartbeats")
        let listen = mapping(top["listen"], "listen", allowed: ["host", "port"])
        if let host = string(listen["host"], "listen.host") { config.host = host }
        if let port = string(listen["port"], "listen.port") {
            if let p = Int(port), (1...65_535).contains(p) {
                config.port = p
            } else {
                problem("listen.port", listen["port"], "expected a port from 1 to 65535")
            }
        }
        readPolicies(top["policies"], into: &config)
        if let limit = rateLimit(top["rateLimit"], "rateLimit") { config.rateLimit = limit }
        readServiceLevels(top["slo"], into: &config)
        readUsers(top["users"], into: &config)
        readSystems(top["systems"], into: &config)
        return config
    }

    mutating func readPolicies(_ node: Node?, into config: inout HubConfiguration) {
        let p = mapping(node, "policies", allowed: ["invoiceOn", "priceTolerancePercent", "parkTimeout", "highValueOrder"])
        if let text = string(p["invoiceOn"], "policies.invoiceOn") {
            if let policy = InvoicePolicy(rawValue: text) {
                config.policies.invoiceOn = policy
            } else {
                problem("policies.invoiceOn", p["invoiceOn"], "expected shipment or delivery")
            }
        }
        if let text = string(p["priceTolerancePercent"], "policies.priceTolerancePercent") {
            if let value = Quantity(text: text), value.scaled >= 0 {
                config.policies.priceToleranceBasisPoints = value.scaled / 100
            } else {
                problem("policies.priceTolerancePercent", p["priceTolerancePercent"], "expected a percentage such as 0.5")
            }
        }
        if let ms = duration(p["parkTimeout"], "policies.parkTimeout") { config.policies.parkTimeoutMilliseconds = ms }
        if let text = string(p["highValueOrder"], "policies.highValueOrder") {
            if Money(text: text, currency: .usd) != nil {
                config.highValueOrder = text
                config.serviceLevels.highValueOrder = Amount(text: text)
            } else {
                problem("policies.highValueOrder", p["highValueOrder"], "expected an amount such as \"10000.00\"")
            }
        }
    }

    mutating func readServiceLevels(_ node: Node?, into config: inout HubConfiguration) {
        let s = mapping(node, "slo", allowed: ["orderAcknowledgement", "shipmentPropagation", "invoicePosting", "paymentSync"])
        if let v = duration(s["orderAcknowledgement"], "slo.orderAcknowledgement") { config.serviceLevels.orderAcknowledgement = v }
        if let v = duration(s["shipmentPropagation"], "slo.shipmentPropagation") { config.serviceLevels.shipmentPropagation = v }
        if let v = duration(s["invoicePosting"], "slo.invoicePosting") { config.serviceLevels.invoicePosting = v }
        if let v = duration(s["paymentSync"], "slo.paymentSync") { config.serviceLevels.paymentSync = v }
    }

    mutating func readUsers(_ node: Node?, into config: inout HubConfiguration) {
        var names: Set<String> = []
        for (i, item) in sequence(node, "users").enumerated() {
            let path = "users[\(i)]"
            let u = mapping(item, path, allowed: ["name", "role", "token", "tokenEnv", "rateLimit"])
            let name = string(u["name"], join(path, "name"), required: true)
            let roleText = string(u["role"], join(path, "role"), required: true)
            let role = roleText.flatMap(Role.init(rawValue:))
            if roleText != nil && role == nil { problem(join(path, "role"), u["role"], "expected support, service, finance or admin") }
            let token = secret(u, "token", path, required: true)
            claim(token, u, "token", path)
            let limit = rateLimit(u["rateLimit"], join(path, "rateLimit"))
            if let name, !names.insert(name).inserted { problem(join(path, "name"), u["name"], "user \(name) is configured twice") }
            if let name, let role, let token { config.users.append(User(name: name, role: role, token: token, rateLimit: limit)) }
        }
    }

    mutating func readSystems(_ node: Node?, into config: inout HubConfiguration) {
        var systemNames: Set<String> = []
        var subscriptionNames: Set<String> = []
        for (i, item) in sequence(node, "systems").enumerated() {
            let path = "systems[\(i)]"
            let s = mapping(item, path, allowed: ["name", "apiKey", "apiKeyEnv", "rateLimit", "publishes", "subscribes", "x12", "inbound"])
            guard let name = string(s["name"], join(path, "name"), required: true) else { continue }
            if name == "hub" || !name.allSatisfy({ $0.isLowercase || $0.isNumber || $0 == "-" }) {
                problem(join(path, "name"), s["name"], "system names are lower-case letters, digits and dashes, and not \"hub\"")
            }
            if !systemNames.insert(name).inserted { problem(join(path, "name"), s["name"], "system \(name) is configured twice") }
            let x12 = s["x12"].flatMap { readPartner($0, join(path, "x12")) }
            var publishes = eventTypes(s["publishes"], join(path, "publishes"))
            for type in publishes where type.isHubOnly {
                problem(join(path, "publishes"), s["publishes"], "\(type.rawValue) is emitted by the hub; systems cannot publish it")
            }
            let (inbound, csv) = s["inbound"].map { readInbound($0, join(path, "inbound")) } ?? (nil, nil)
            if inbound != nil || csv != nil {
                // What its mappings send is what it publishes, unless publishes says otherwise.
                let mapped = Set(((inbound?.mapping.events ?? []) + (csv?.mapping.events ?? [])).map(\.type))
                if s["publishes"] == nil {
                    publishes = mapped
                } else {
                    for type in mapped.subtracting(publishes).sorted() {
                        problem(join(path, "publishes"), s["publishes"], "the inbound mapping sends \(type.rawValue), which publishes does not list")
                    }
                }
            }
            let signed = inbound.map { $0.authentication != .apiKey } ?? false
            // A system that only drops CSV files never posts: it needs no API key.
            let filesOnly = csv != nil && inbound == nil && s["publishes"] == nil
            let apiKey = secret(s, "apiKey", path, required: !publishes.isEmpty && !signed && !filesOnly)
            claim(apiKey, s, "apiKey", path)
            let limit = rateLimit(s["rateLimit"], join(path, "rateLimit"))
            if s["rateLimit"] != nil, s["apiKey"] == nil, s["apiKeyEnv"] == nil {
                problem(join(path, "rateLimit"), s["rateLimit"], "only an API key is limited, and this system has none (apiKey or apiKeyEnv)")
            }
            var subscriptions: [Subscription] = []
            for (j, entry) in sequence(s["subscribes"], join(path, "subscribes")).enumerated() {
                let subPath = "\(path).subscribes[\(j)]"
                if let subscription = readSubscription(entry, subPath, system: SystemName(name), isPartner: s["x12"] != nil) {
                    if !subscriptionNames.insert(subscription.name.rawValue).inserted {
                        problem(join(subPath, "name"), nil, "subscription \(subscription.name) is configured twice")
                    }
                    subscriptions.append(subscription)
                }
            }
            config.systems.append(
                SystemConfiguration(
                    system: ConnectedSystem(
                        name: SystemName(name), publishes: publishes, subscriptions: subscriptions, x12: x12, inbound: inbound, csv: csv),
                    apiKey: apiKey,
                    rateLimit: limit))
        }
    }

    /// `x12: { interchangeId, qualifier, ourId, ourQualifier, acknowledgementWindow, inbound, outbound, usage }`.
    mutating func readPartner(_ node: Node, _ path: String) -> X12Partner? {
        let m = mapping(
            node, path, allowed: ["interchangeId", "qualifier", "ourId", "ourQualifier", "acknowledgementWindow", "inbound", "outbound", "usage"])
        func envelopeId(_ key: String, width: Int, default value: String? = nil) -> String? {
            guard let text = string(m[key], join(path, key), required: value == nil) ?? value else { return nil }
            if text.isEmpty || text.utf8.count > width || !text.allSatisfy({ $0.isASCII && !"*~>^|:".contains($0) }) {
                problem(join(path, key), m[key], "expected 1 to \(width) ASCII characters without X12 delimiters")
                return nil
            }
            return text
        }
        let interchangeId = envelopeId("interchangeId", width: 15)
        let qualifier = envelopeId("qualifier", width: 2, default: "ZZ")
        let ourId = envelopeId("ourId", width: 15)
        let ourQualifier = envelopeId("ourQualifier", width: 2, default: "ZZ")
        let window = m["acknowledgementWindow"] == nil ? 86_400_000 : duration(m["acknowledgementWindow"], join(path, "acknowledgementWindow"))
        let usage = string(m["usage"], join(path, "usage")) ?? "P"
        if usage != "P" && usage != "T" { problem(join(path, "usage"), m["usage"], "expected P (production) or T (test)") }
        guard let interchangeId, let qualifier, let ourId, let ourQualifier, let window else { return nil }
        return X12Partner(
            interchangeId: interchangeId, qualifier: qualifier, ourId: ourId, ourQualifier: ourQualifier, acknowledgementWindow: window,
            inboundDirectory: string(m["inbound"], join(path, "inbound")), outboundDirectory: string(m["outbound"], join(path, "outbound")), usage: usage)
    }

    mutating func readSubscription(_ node: Node, _ path: String, system: SystemName, isPartner: Bool) -> Subscription? {
        let m = mapping(node, path, allowed: ["name", "types", "webhook", "x12", "http", "soap", "csv", "retry", "mapping", "pack", "retired", "validation"])
        let name = string(m["name"], join(path, "name"), required: true)
        let validation = m["validation"].flatMap { readValidation($0, join(path, "validation")) }
        // A validating subscription is sent the validation requests, and nothing else.
        let types = m["validation"] != nil && m["types"] == nil ? [.orderValidationRequested] : eventTypes(m["types"], join(path, "types"))
        if m["types"] == nil && m["validation"] == nil { problem(join(path, "types"), node, "is required") }
        if m["validation"] != nil, m["types"] != nil, types != [.orderValidationRequested] {
            problem(join(path, "types"), m["types"], "a validation subscription is sent o2c.order.validation_requested only (leave types out)")
        }
        if m["validation"] != nil, m["http"] == nil, m["soap"] == nil {
            problem(join(path, "validation"), m["validation"], "a validation is a call: the subscription needs an http or soap adapter")
        }
        var adapter: AdapterSettings?
        if let webhook = m["webhook"] {
            let w = mapping(webhook, join(path, "webhook"), allowed: ["url", "secret", "secretEnv"])
            let url = string(w["url"], join(path, "webhook.url"), required: true)
            if let url, !(url.hasPrefix("http://") || url.hasPrefix("https://")) {
                problem(join(path, "webhook.url"), w["url"], "expected an http:// or https:// URL")
            }
            let secret = secret(w, "secret", join(path, "webhook"), required: true)
            if let secret, !(secret.hasPrefix("whsec_") && (Data(base64Encoded: String(secret.dropFirst(6)))?.count ?? 0) >= 16) {
                problem(join(path, "webhook.secret"), w["secret"], "expected whsec_ followed by base64 of at least 16 bytes")
            }
            if let url, let secret { adapter = .webhook(url: url, secret: secret) }
        } else if let x12 = m["x12"] {
            let x = mapping(x12, join(path, "x12"), allowed: ["set", "directory"])
            let set = string(x["set"], join(path, "x12.set"), required: true)
            let directory = string(x["directory"], join(path, "x12.directory"), required: true)
            if let set, let carried = X12Outbound.carries[set] {
                if m["types"] != nil, !types.isSubset(of: carried) {
                    let names = carried.map(\.rawValue).sorted().joined(separator: " or ")
                    problem(join(path, "types"), m["types"], "an X12 \(set) carries \(names), and nothing else")
                }
            } else if set != nil {
                problem(join(path, "x12.set"), x["set"], "expected 855, 856 or 810")
            }
            if !isPartner { problem(join(path, "x12"), x12, "X12 delivery needs the system's x12 block (interchangeId, ourId)") }
            if let set, let directory { adapter = .x12File(set: set, directory: directory) }
        } else if let http = m["http"] {
            adapter = readHTTPCall(http, join(path, "http")).map(AdapterSettings.http)
        } else if let soap = m["soap"] {
            adapter = readSOAPCall(soap, join(path, "soap")).map(AdapterSettings.soap)
        } else if let csv = m["csv"] {
            adapter = readCSVFile(csv, join(path, "csv")).map(AdapterSettings.csv)
        } else {
            problem(path, node, "a subscription needs an adapter: webhook, http, soap, x12 or csv")
        }
        var retry = RetrySchedule.standard
        if let r = m["retry"] {
            let members = mapping(r, join(path, "retry"), allowed: ["schedule"])
            let delays = sequence(members["schedule"], join(path, "retry.schedule")).enumerated().compactMap { i, n in
                duration(n, join(path, "retry.schedule[\(i)]"))
            }
            if delays.isEmpty { problem(join(path, "retry.schedule"), r, "expected at least one delay") } else { retry = RetrySchedule(delays: delays) }
        }
        let outbound = outboundMapping(m, path, types: types)
        var retired = false
        if let flag = m["retired"] {
            guard let value = flag.bool else {
                problem(join(path, "retired"), flag, "expected true or false")
                return nil
            }
            retired = value
        }
        guard let name, let adapter else { return nil }
        var subscription = Subscription(name: SubscriptionName(name), system: system, types: types, adapter: adapter, retry: retry, mapping: outbound)
        subscription.retired = retired
        subscription.validation = validation
        return subscription
    }

    /// `validation: { name, fallback: accept | hold | park, timeout: 2s, answer: file.yml }`.
    mutating func readValidation(_ node: Node, _ path: String) -> ValidationSettings? {
        let m = mapping(node, path, allowed: ["name", "fallback", "timeout", "answer"])
        let name = string(m["name"], join(path, "name"), required: true)
        var settings = ValidationSettings(name: name ?? "")
        if let text = string(m["fallback"], join(path, "fallback")) {
            if let fallback = ValidationFallback(rawValue: text) {
                settings.fallback = fallback
            } else {
                problem(join(path, "fallback"), m["fallback"], "expected accept, hold or park")
            }
        }
        if let timeout = m["timeout"] {
            if let ms = duration(timeout, join(path, "timeout")) {
                if ms <= 0 { problem(join(path, "timeout"), timeout, "must be more than 0") } else { settings.timeoutMilliseconds = ms }
            }
        }
        if m["answer"] != nil { settings.answer = packOrMapping(m, path, fileKey: "answer") }
        guard name != nil else { return nil }
        return settings
    }

    func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a.lowercased()), b = Array(b.lowercased())
        var row = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var previous = row[0]
            row[0] = i
            for j in 1...max(b.count, 1) where !b.isEmpty {
                let current = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
                previous = current
            }
        }
        return row[b.count]
    }
}

enum Duration {
    /// `500ms`, `30s`, `15m`, `24h`, `2d` → milliseconds.
    static func milliseconds(_ text: String) -> Int64? {
        let units: [(String, Int64)] = [("ms", 1), ("s", 1_000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000)]
        for (suffix, factor) in units where text.hasSuffix(suffix) {
            guard let value = Int64(text.dropLast(suffix.count)), value >= 0 else { return nil }
            return value * factor
        }
        return nil
    }
}
