// Bench.swift: `latentscope bench`: engine speed against PyTorch eager on the
// same weights and thread count, measured in the same run (medians, ratios).

import ArgumentParser
import Engine
import Foundation

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure ms per image at batch 1 and 16, GFLOP/s, and the ratio to PyTorch eager.",
        discussion: """
            PyTorch is timed by training/bench_torch.py of the source checkout this binary was built in, with the \
            checkout's .venv/bin/python or else python3, whichever has torch (--torch off skips it).
            """)

    @OptionGroup var model: ModelOptions
    @Option(name: .long, help: "Timed runs per measurement (the median is reported).")
    var runs: Int = 15
    @Option(name: .long, help: "'auto' (the checkout's .venv/bin/python, else python3, if it has torch), 'off', or a python interpreter.")
    var torch: String = "auto"
    @Flag(name: .long, help: "Print the results as JSON.")
    var json = false
    @Flag(name: .long, help: "Measure the explorer instead: key press to frame on screen, median and p90, --runs presses per key (no terminal needed).")
    var tui = false

    /// Untimed running before each measurement, here and in bench_torch.py.
    static let warmupSeconds = 0.5

    func validate() throws {
        guard runs >= 3 && runs <= 1000 else { throw ValidationError("--runs must be between 3 and 1000") }
    }

    func run() throws {
        if tui { try runTUIBench(model: model, runs: runs, json: json); return }
        let loaded = try model.load()
        let G = model.generator(for: loaded)
        let threads = G.threads
        let c = G.config
        let flops = Double(c.synthesisFlops ?? 0)
        func timeBatch(_ n: Int) -> Double {
            let recipes = (0..<n).map { Recipe(seed: UInt64($0)) }
            // Warm-up, as long as the PyTorch side's: workspace, caches, and the
            // scheduler settling the workers on their cores.
            let start = DispatchTime.now().uptimeNanoseconds
            var warm = 0
            while warm < 3 || DispatchTime.now().uptimeNanoseconds - start < UInt64(Self.warmupSeconds * 1e9) {
                _ = try? G.render(recipes, directions: nil)
                warm += 1
            }
            var times: [Double] = []
            for r in 0..<runs {
                let batch = recipes.map { var x = $0; x.seed += UInt64(r * n); return x }
                let t0 = DispatchTime.now().uptimeNanoseconds
                _ = try? G.render(batch, directions: nil)
                times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6 / Double(n))
            }
            return median(times)
        }
        let b1 = timeBatch(1), b16 = timeBatch(16)
        let peak = sgemmGFLOPS(threads: threads)
        var torchResult: [String: Any]?
        var torchNote: String?
        if torch != "off" {
            switch TorchBaseline.run(python: torch, model: loaded.directory, threads: threads, runs: runs) {
            case .success(let r): torchResult = r
            case .failure(let e): torchNote = e.message
            }
        }
        let t1 = torchResult?["batch1_ms"] as? Double, t16 = torchResult?["batch16_ms_per_image"] as? Double
        if json {
            var out: [String: Any] = ["model": c.name, "threads": threads, "runs": runs,
                                      "engine_batch1_ms": b1, "engine_batch16_ms_per_image": b16,
                                      "engine_batch1_gflops": flops / b1 / 1e6, "engine_batch16_gflops": flops / b16 / 1e6,
                                      "sgemm_peak_gflops": peak]
            if let t1, let t16 {
                out["torch_batch1_ms"] = t1; out["torch_batch16_ms_per_image"] = t16
                out["speedup_batch1"] = t1 / b1; out["speedup_batch16"] = t16 / b16
                out["torch_version"] = torchResult?["torch"]
            }
            if let torchNote { out["torch_note"] = torchNote }
            print(String(decoding: try JSONSerialization.data(withJSONObject: out, options: [.prettyPrinted, .sortedKeys]), as: UTF8.self))
            return
        }
        print("model \(c.name.terminalSafe), \(String(format: "%.3f", flops / 1e9)) GFLOP/image, \(threads) thread(s), "
              + "median of \(runs) runs after \(Self.warmupSeconds) s of warm-up")
        print("sgemm 512x512x512 on this machine: \(String(format: "%.1f", peak)) GFLOP/s")
        print("")
        print("                      latentscope            PyTorch eager      speed-up")
        func row(_ label: String, _ ms: Double, _ tms: Double?) {
            let t = tms.map { String(format: "%8.2f ms", $0) } ?? "         -"
            let r = tms.map { String(format: "%6.2fx", $0 / ms) } ?? "      -"
            print(label.padded(20) + String(format: " %8.2f ms %6.1f GFLOP/s  ", ms, flops / ms / 1e6) + t + "       " + r)
        }
        row("batch 1, per image", b1, t1)
        row("batch 16, per image", b16, t16)
        if let torchNote { print("\nPyTorch not measured: \(torchNote)") }
        else if let v = torchResult?["torch"] { print("\nPyTorch \(v), same weights, same thread count") }
    }
}

func median(_ xs: [Double]) -> Double {
    let s = xs.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

/// GFLOP/s of a 512^3 sgemm on `threads` BLAS threads: the machine's practical
/// ceiling for the engine. BLAS goes back to one thread after (the engine's setting).
func sgemmGFLOPS(threads: Int) -> Double {
    setBLASThreads(threads)
    defer { setBLASThreads(1) }
    let n = 512
    let a = [Float](repeating: 1, count: n * n), b = a
    var c = [Float](repeating: 0, count: n * n)
    var times: [Double] = []
    for _ in 0..<7 {
        let t0 = DispatchTime.now().uptimeNanoseconds
        matmulForBench(&c, a, b, n)
        times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
    }
    return 2 * Double(n * n * n) / median(times) / 1e9
}

struct TorchError: Error { let message: String }

/// Runs training/bench_torch.py in a subprocess and parses its JSON.
enum TorchBaseline {
    /// The source checkout this executable was built in: the first folder above it with
    /// Package.swift and training/bench_torch.py (`.build/release/latentscope` is two levels
    /// down). Never the current folder: a script found there would be whoever's put it there.
    static func checkout(executable: String = CommandLine.arguments[0]) -> String? {
        var dir = (URL(fileURLWithPath: executable).resolvingSymlinksInPath().path as NSString).deletingLastPathComponent
        for _ in 0..<6 {
            let fm = FileManager.default
            if fm.fileExists(atPath: dir + "/Package.swift") && fm.fileExists(atPath: dir + "/training/bench_torch.py") { return dir }
            let up = (dir as NSString).deletingLastPathComponent
            if up == dir { break }
            dir = up
        }
        return nil
    }

    /// The interpreters `--torch auto` tries, in order: the checkout's .venv (scripts/test.sh
    /// creates it with PyTorch), then python3 on the PATH.
    static func candidates(checkout: String) -> [String] {
        let venv = checkout + "/.venv/bin/python"
        return (FileManager.default.isExecutableFile(atPath: venv) ? [venv] : []) + ["python3"]
    }

    static func run(python choice: String, model: String, threads: Int, runs: Int) -> Result<[String: Any], TorchError> {
        guard let root = checkout() else {
            return .failure(TorchError(message: "training/bench_torch.py not found in a source checkout above this executable"))
        }
        let script = root + "/training/bench_torch.py"
        let python: String
        if choice == "auto" {
            let tried = candidates(checkout: root)
            guard let found = tried.first(where: { (try? Subprocess.run($0, ["-c", "import torch"]).status) == 0 }) else {
                return .failure(TorchError(message: "no PyTorch in " + tried.joined(separator: " or ") + " (scripts/test.sh sets up .venv)"))
            }
            python = found
        } else {
            python = choice
        }
        let result: Subprocess.Output
        do {
            result = try Subprocess.run(python, [script, "--model", model, "--threads", String(threads), "--runs", String(runs),
                                                 "--warmup-seconds", String(Bench.warmupSeconds), "--json"])
        } catch { return .failure(TorchError(message: "cannot start \(python): \(error)")) }
        guard result.status == 0 else {
            let msg = result.stderrTail.split(separator: "\n").last.map(String.init) ?? "exit \(result.status)"
            return .failure(TorchError(message: "\(python) \(script) failed: \(msg)"))
        }
        let data = result.stdout
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n")
        guard let text = lines.last(where: { $0.hasPrefix("{") }) ?? (lines.isEmpty ? nil : Substring(lines.joined(separator: "\n"))),
              let obj = try? JSONSerialization.jsonObject(with: Data(String(text).utf8)) as? [String: Any] ?? (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
        else { return .failure(TorchError(message: "could not parse the output of \(script)")) }
        return .success(obj)
    }
}

/// A helper program run to completion, both of its outputs read at once: reading one to its
/// end before the other would hang as soon as the other fills its pipe (64 KB).
enum Subprocess {
    struct Output {
        let status: Int32
        let stdout: Data
        /// The last 64 KB of standard error (enough for the message; a chatty helper is not kept whole).
        let stderrTail: String
    }

    /// Runs `program` (a path, or a name looked up on the PATH) with `arguments`.
    static func run(_ program: String, _ arguments: [String]) throws -> Output {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [program] + arguments
        p.standardInput = FileHandle.nullDevice
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let tail = StderrTail()
        let reader = Thread {
            let handle = err.fileHandleForReading
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                tail.append(chunk)
            }
            tail.done.signal()
        }
        reader.start()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        tail.done.wait()
        p.waitUntilExit()
        return Output(status: p.terminationStatus, stdout: stdout, stderrTail: String(decoding: tail.data, as: UTF8.self))
    }

    /// Filled by the reader thread, read once it has signalled `done`.
    private final class StderrTail: @unchecked Sendable {
        var data = Data()
        let done = DispatchSemaphore(value: 0)
        func append(_ chunk: Data) {
            data.append(chunk)
            if data.count > 1 << 16 { data = Data(data.suffix(1 << 16)) }
        }
    }
}
