/// The parameter keys that name files a step writes. One list for every kind: a pipeline places relative paths
/// under these keys in its run directory, and a map's provenance leaves them out, so a map's bytes never depend on
/// the names its outputs are written under.
public enum OutputKeys {
    /// Files written beside the main `output`.
    static let secondary: [String] = ["quicklook", "details"]
        + LandCoverChangeParameters.secondaryOutputKeys + SOCChangeParameters.secondaryOutputKeys
    static let all: [String] = ["output"] + secondary
}
