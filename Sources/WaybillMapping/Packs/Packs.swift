/// The mappings shipped in the binary, selected by name (`inbound: { pack: shopify }`); a
/// system's own mapping file may override a pack's rules (see `Mapping.overriding`).
public enum Packs {
    /// Pack names and their YAML.
    public static let all: [String: String] = ["shopify": shopify, "netsuite": netsuite, "salesforce": salesforce]

    /// The pack `name`, loaded; nil when there is none by that name.
    public static func mapping(_ name: String) throws(MappingProblems) -> Mapping? {
        guard let text = all[name] else { return nil }
        return try MappingLoader.parse(text, name: "pack \(name)")
    }
}
