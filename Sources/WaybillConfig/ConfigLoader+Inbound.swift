import Foundation
import WaybillCore
import WaybillEngine
import WaybillMapping
import Yams

extension ConfigReader {
    /// `inbound: { pack: shopify, mapping: mappings/shop.yml, signature: shopify | standard-webhooks | api-key, secret | secretEnv }`:
    /// a system that posts its own payloads. A pack and a mapping file together: the file's
    /// rules override the pack's, field by field. The signature defaults to the pack's own
    /// scheme (Shopify's HMAC for `shopify`), else the system's API key.
    ///
    /// `csv: { directory, delimiter, mapping | pack }` in the same block: a directory of CSV files
    /// watched for the system (`CSVInbox`), each row mapped by its own mapping. A block with only
    /// `csv:` takes no posts.
    mutating func readInbound(_ node: Node, _ path: String) -> (NativeInbound?, CSVInbound?) {
        let members = mapping(node, path, allowed: ["pack", "mapping", "signature", "secret", "secretEnv", "csv"])
        let csv = members["csv"].flatMap { readCSVInbound($0, join(path, "csv")) }
        if members["csv"] != nil, members["pack"] == nil, members["mapping"] == nil {
            for key in ["signature", "secret", "secretEnv"] where members[key] != nil {
                problem(join(path, key), members[key], "only a pack: or mapping: for posts is signed; csv: files are not")
            }
            return (nil, csv)
        }
        return (readNativeInbound(members, node, path), csv)
    }

    mutating func readNativeInbound(_ members: [String: Node], _ node: Node, _ path: String) -> NativeInbound? {
        let packName = members["pack"]?.string
        guard members["pack"] != nil || members["mapping"] != nil else {
            problem(path, node, "needs a pack: (\(Packs.all.keys.sorted().joined(separator: ", "))) or a mapping: file, or csv:")
            return nil
        }
        guard let mapping = packOrMapping(members, path) else { return nil }
        let scheme = string(members["signature"], join(path, "signature")) ?? (packName == "shopify" ? "shopify" : "api-key")
        let authentication: NativeInbound.Authentication
        switch scheme {
        case "api-key":
            authentication = .apiKey
        case "shopify", "standard-webhooks":
            guard let secret = secret(members, "secret", path, required: true) else { return nil }
            claim(secret, members, "secret", path)
            authentication = scheme == "shopify" ? .shopify(secret: secret) : .standardWebhooks(secret: secret)
        default:
            problem(join(path, "signature"), members["signature"], "signature is shopify, standard-webhooks or api-key")
            return nil
        }
        return NativeInbound(mapping: mapping, authentication: authentication)
    }
}

extension ConfigReader {
    /// A subscription's `pack:` and/or `mapping:` (outbound bodies; the file over the pack).
    mutating func outboundMapping(_ members: [String: Node], _ path: String, types: Set<EventType>) -> Mapping? {
        guard members["pack"] != nil || members["mapping"] != nil else { return nil }
        let mapping = packOrMapping(members, path)
        if let mapping, mapping.outbound.keys.allSatisfy({ !types.contains($0) }) {
            problem(
                join(path, members["pack"] != nil ? "pack" : "mapping"), members["mapping"] ?? members["pack"],
                "it has no outbound body for any of the subscription's types")
        }
        return mapping
    }
}

extension ConfigReader {
    /// The mapping that `pack:` and `mapping:` name: the pack, the file, or the file laid over the
    /// pack field by field. Problems are reported at the key that names the culprit, a mapping
    /// file's own with its file and line.
    mutating func packOrMapping(_ members: [String: Node], _ path: String, fileKey: String = "mapping") -> Mapping? {
        var mapping: Mapping?
        if let packName = string(members["pack"], join(path, "pack")) {
            do {
                mapping = try Packs.mapping(packName)
                if mapping == nil {
                    problem(join(path, "pack"), members["pack"], "there is no pack \(packName) (packs: \(Packs.all.keys.sorted().joined(separator: ", ")))")
                }
            } catch {
                problem(join(path, "pack"), members["pack"], "the pack does not load: \(error)")
            }
        }
        if let file = string(members[fileKey], join(path, fileKey)) {
            let resolved = file.hasPrefix("/") ? file : URL(fileURLWithPath: directory).appendingPathComponent(file).path
            mappingFiles.append(resolved)
            do {
                let own = try MappingLoader.load(path: resolved, name: file)
                mapping = mapping.map { $0.overriding(with: own) } ?? own
            } catch {
                for mappingProblem in error.problems { problem(join(path, fileKey), members[fileKey], mappingProblem.description) }
                return nil
            }
        }
        return mapping
    }
}

extension ConfigReader {
    /// `http: { method, url, headers, auth: { bearer | bearerEnv | basic: { user, password | passwordEnv } | oauth2: { tokenUrl, clientId, clientSecret | clientSecretEnv, scope } }, capture: location | $.path }`.
    mutating func readHTTPCall(_ node: Node, _ path: String) -> HTTPCall? {
        let m = mapping(node, path, allowed: ["method", "url", "headers", "auth", "capture"])
        let method = (string(m["method"], join(path, "method")) ?? "POST").uppercased()
        if !["POST", "PUT", "PATCH", "DELETE", "GET"].contains(method) {
            problem(join(path, "method"), m["method"], "expected POST, PUT, PATCH, DELETE or GET")
        }
        guard let url = string(m["url"], join(path, "url"), required: true) else { return nil }
        if !(url.hasPrefix("http://") || url.hasPrefix("https://")) { problem(join(path, "url"), m["url"], "expected an http:// or https:// URL") }
        var headers: [String: String] = [:]
        if let h = m["headers"], case .mapping(let pairs) = h {
            for (key, value) in pairs { if let k = key.string, let v = value.string { headers[k] = v } }
        }
        var authentication = HTTPCall.Authentication.none
        if let authNode = m["auth"] {
            let a = mapping(authNode, join(path, "auth"), allowed: ["bearer", "bearerEnv", "basic", "oauth2"])
            if a["bearer"] != nil || a["bearerEnv"] != nil {
                if let token = secret(a, "bearer", join(path, "auth"), required: true) { authentication = .bearer(token: token) }
            } else if let basic = a["basic"] {
                let b = mapping(basic, join(path, "auth.basic"), allowed: ["user", "password", "passwordEnv"])
                if let user = string(b["user"], join(path, "auth.basic.user"), required: true),
                    let password = secret(b, "password", join(path, "auth.basic"), required: true)
                {
                    authentication = .basic(user: user, password: password)
                }
            } else if let oauth = a["oauth2"] {
                let o = mapping(oauth, join(path, "auth.oauth2"), allowed: ["tokenUrl", "clientId", "clientSecret", "clientSecretEnv", "scope"])
                if let tokenURL = string(o["tokenUrl"], join(path, "auth.oauth2.tokenUrl"), required: true),
                    let clientId = string(o["clientId"], join(path, "auth.oauth2.clientId"), required: true),
                    let clientSecret = secret(o, "clientSecret", join(path, "auth.oauth2"), required: true)
                {
                    authentication = .oauth2(
                        tokenURL: tokenURL, clientId: clientId, clientSecret: clientSecret, scope: string(o["scope"], join(path, "auth.oauth2.scope")))
                }
            } else {
                problem(join(path, "auth"), authNode, "expected bearer, basic or oauth2")
            }
        }
        var capture = HTTPCall.Capture.none
        if let text = string(m["capture"], join(path, "capture")) {
            if text == "location" {
                capture = .location
            } else {
                do { capture = .body(try ExpressionParser.parse(text)) } catch {
                    problem(join(path, "capture"), m["capture"], "expected location or a JSON path such as $.id: \(error.message)")
                }
            }
        }
        return HTTPCall(method: method, url: url, headers: headers, authentication: authentication, capture: capture)
    }
}

extension ConfigReader {
    /// `soap: { url, version: "1.1" | "1.2", action, operation, namespace, security: { user, password | passwordEnv }, retryFaults: [...] }`.
    mutating func readSOAPCall(_ node: Node, _ path: String) -> SOAPCall? {
        let m = mapping(node, path, allowed: ["url", "version", "action", "operation", "namespace", "security", "retryFaults"])
        guard let url = string(m["url"], join(path, "url"), required: true),
            let operation = string(m["operation"], join(path, "operation"), required: true),
            let namespace = string(m["namespace"], join(path, "namespace"), required: true)
        else { return nil }
        if !(url.hasPrefix("http://") || url.hasPrefix("https://")) { problem(join(path, "url"), m["url"], "expected an http:// or https:// URL") }
        let versionText = string(m["version"], join(path, "version")) ?? "1.1"
        guard let version = SOAPCall.Version(rawValue: versionText) else {
            problem(join(path, "version"), m["version"], "expected \"1.1\" or \"1.2\"")
            return nil
        }
        var call = SOAPCall(url: url, version: version, action: string(m["action"], join(path, "action")), operation: operation, namespace: namespace)
        if let security = m["security"] {
            let s = mapping(security, join(path, "security"), allowed: ["user", "password", "passwordEnv"])
            call.user = string(s["user"], join(path, "security.user"), required: true)
            call.password = secret(s, "password", join(path, "security"), required: true)
        }
        if m["retryFaults"] != nil {
            call.retryFaults = Set(sequence(m["retryFaults"], join(path, "retryFaults")).compactMap(\.string))
        }
        return call
    }
}

extension ConfigReader {
    /// A one-character delimiter (default `,`): not a quote, a line break or a letter or digit.
    mutating func delimiter(_ node: Node?, _ path: String) -> Character? {
        guard let node else { return "," }
        guard let text = string(node, path) else { return nil }
        let value = text == "\\t" ? "\t" : text
        guard value.count == 1, let c = value.first, c != "\"", !c.isNewline, !c.isLetter, !c.isNumber, c.unicodeScalars.count == 1 else {
            problem(path, node, "expected one character such as \",\" \";\" \"|\" or \"\\t\" (not a quote, a line break, a letter or a digit)")
            return nil
        }
        return c
    }

    mutating func flag(_ node: Node?, _ path: String, default value: Bool) -> Bool {
        guard let node else { return value }
        guard let text = string(node, path) else { return value }
        switch text {
        case "true": return true
        case "false": return false
        default:
            problem(path, node, "expected true or false")
            return value
        }
    }

    /// `csv: { directory, rows, columns: [{ name, value }], delimiter, header, bom, batch }` on a subscription.
    mutating func readCSVFile(_ node: Node, _ path: String) -> CSVFileSettings? {
        let m = mapping(node, path, allowed: ["directory", "rows", "columns", "delimiter", "header", "bom", "batch"])
        let directory = string(m["directory"], join(path, "directory"), required: true)
        var rows: WaybillMapping.Expression?
        if let text = string(m["rows"], join(path, "rows")) {
            do { rows = try ExpressionParser.parse(text) } catch {
                problem(join(path, "rows"), m["rows"], "expected an expression such as $.data.lines: \(error.message)")
            }
        }
        var columns: [CSVFileSettings.Column] = []
        var names: Set<String> = []
        let entries = sequence(m["columns"], join(path, "columns"))
        if entries.isEmpty { problem(join(path, "columns"), m["columns"] ?? node, "expected at least one column: { name, value }") }
        for (i, entry) in entries.enumerated() {
            let columnPath = "\(path).columns[\(i)]"
            let c = mapping(entry, columnPath, allowed: ["name", "value"])
            let name = string(c["name"], join(columnPath, "name"), required: true)
            if let name, !names.insert(name).inserted { problem(join(columnPath, "name"), c["name"], "column \(name) is named twice") }
            guard let text = string(c["value"], join(columnPath, "value"), required: true) else { continue }
            do {
                let value = try ExpressionParser.parse(text)
                for variable in value.variablesRead where variable != "row" || rows == nil {
                    problem(
                        join(columnPath, "value"), c["value"],
                        variable == "row" ? "$row is bound only when rows: is given" : "$\(variable) is not bound here (only $row, with rows:)")
                }
                if let name { columns.append(.init(name: name, value: value)) }
            } catch {
                problem(join(columnPath, "value"), c["value"], "expected an expression such as $.data.orderId: \(error.message)")
            }
        }
        let delimiter = delimiter(m["delimiter"], join(path, "delimiter"))
        let header = flag(m["header"], join(path, "header"), default: true)
        let bom = flag(m["bom"], join(path, "bom"), default: false)
        let batch = m["batch"].map { readCSVBatch($0, join(path, "batch")) }
        guard let directory, let delimiter, !columns.isEmpty, columns.count == entries.count, batch != .some(nil) else { return nil }
        return CSVFileSettings(directory: directory, rows: rows, columns: columns, delimiter: delimiter, header: header, bom: bom, batch: batch ?? nil)
    }

    /// `batch: { interval, maxRows, spool }`: `interval` (a duration) is required, `maxRows` a whole
    /// number of at least 1 (default 10000), `spool` a directory (default `<directory>/.waybill-batches`).
    mutating func readCSVBatch(_ node: Node, _ path: String) -> CSVFileSettings.Batch? {
        let m = mapping(node, path, allowed: ["interval", "maxRows", "spool"])
        guard case .mapping = node else { return nil }
        let intervalPath = join(path, "interval")
        if m["interval"] == nil { problem(intervalPath, node, "is required: how long a batch gathers rows, such as 5m") }
        let interval = duration(m["interval"], intervalPath)
        if let interval, interval <= 0 { problem(intervalPath, m["interval"], "must be longer than 0") }
        var maxRows = 10_000
        let maxRowsPath = join(path, "maxRows")
        if let text = string(m["maxRows"], maxRowsPath) {
            if text.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int(text), value >= 1 {
                maxRows = value
            } else {
                problem(maxRowsPath, m["maxRows"], "expected a whole number of at least 1")
                return nil
            }
        }
        let spool = string(m["spool"], join(path, "spool"))
        guard let interval, interval > 0 else { return nil }
        return CSVFileSettings.Batch(interval: interval, maxRows: maxRows, spool: spool)
    }

    /// `inbound: { csv: { directory, delimiter, mapping | pack } }`.
    mutating func readCSVInbound(_ node: Node, _ path: String) -> CSVInbound? {
        let m = mapping(node, path, allowed: ["directory", "delimiter", "mapping", "pack"])
        let directory = string(m["directory"], join(path, "directory"), required: true)
        let delimiter = delimiter(m["delimiter"], join(path, "delimiter"))
        guard m["pack"] != nil || m["mapping"] != nil else {
            problem(path, node, "needs a mapping: file (or a pack:) that maps each row")
            return nil
        }
        guard let mapping = packOrMapping(m, path), let directory, let delimiter else { return nil }
        return CSVInbound(directory: directory, delimiter: delimiter, mapping: mapping)
    }
}
