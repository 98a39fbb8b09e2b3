// ModelLocator.swift: finds the model to load. An explicit --model wins, then
// $LATENTSCOPE_MODEL, then the bundled model: assets/models/<default> next to
// (or above) the executable, so both an in-tree build (.build/release) and an
// install (PREFIX/bin + PREFIX/share/latentscope, scripts/install.sh) find it, then
// the user data folder ($XDG_DATA_HOME/latentscope/models, by default
// ~/.local/share/latentscope/models), and finally the current directory's assets/.

import Foundation

public enum ModelLocator {
    /// The bundled model's folder name.
    public static let defaultModel = "utkface64"

    public static func resolve(explicit: String?, environment: [String: String] = ProcessInfo.processInfo.environment,
                               executable: String = CommandLine.arguments.first ?? "",
                               currentDirectory: String = FileManager.default.currentDirectoryPath) throws -> String {
        if let explicit { return try check(explicit, origin: "--model") }
        if let env = environment["LATENTSCOPE_MODEL"], !env.isEmpty { return try check(env, origin: "LATENTSCOPE_MODEL") }
        var searched: [String] = []
        for dir in candidates(executable: executable, currentDirectory: currentDirectory, environment: environment) {
            let config = (dir as NSString).appendingPathComponent("config.json")
            if FileManager.default.fileExists(atPath: config) { return dir }
            searched.append(dir)
        }
        throw ModelError.modelNotFound("model", "the bundled model '\(defaultModel)' was not found; looked in:\n  "
            + searched.joined(separator: "\n  ") + "\nHINT: pass --model DIR (a folder with config.json and generator.safetensors) or set LATENTSCOPE_MODEL")
    }

    static func candidates(executable: String, currentDirectory: String,
                           environment: [String: String] = ProcessInfo.processInfo.environment) -> [String] {
        var out: [String] = []
        var dir = (URL(fileURLWithPath: executable).resolvingSymlinksInPath().path as NSString).deletingLastPathComponent
        for _ in 0..<5 {
            out.append(((dir as NSString).appendingPathComponent("assets/models") as NSString).appendingPathComponent(defaultModel))
            out.append(((dir as NSString).appendingPathComponent("share/latentscope/models") as NSString).appendingPathComponent(defaultModel))
            dir = (dir as NSString).deletingLastPathComponent
        }
        if let data = userDataFolder(environment: environment) {
            out.append(((data as NSString).appendingPathComponent("latentscope/models") as NSString).appendingPathComponent(defaultModel))
        }
        out.append(((currentDirectory as NSString).appendingPathComponent("assets/models") as NSString).appendingPathComponent(defaultModel))
        var seen = Set<String>()
        return out.filter { seen.insert($0).inserted }
    }

    /// $XDG_DATA_HOME when it is an absolute path (the XDG rule), else $HOME/.local/share.
    static func userDataFolder(environment: [String: String]) -> String? {
        if let xdg = environment["XDG_DATA_HOME"], xdg.hasPrefix("/") { return xdg }
        guard let home = environment["HOME"], !home.isEmpty else { return nil }
        return (home as NSString).appendingPathComponent(".local/share")
    }

    private static func check(_ dir: String, origin: String) throws -> String {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else {
            throw ModelError.modelNotFound(dir, "no such model folder (from \(origin))")
        }
        return dir
    }
}
