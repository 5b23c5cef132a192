import Foundation
import Synchronization

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

/// A run as MLflow should hold it: what `RunLogger` sends.
public struct TrackedRun: Sendable {
  public var name: String
  /// Identifies the run across re-logs (with `dataset`): a re-log updates the MLflow run with these tags.
  public var key: String
  public var dataset: String
  public var params: [(String, String)] = []
  public var metrics: [(String, Double)] = []
  public var tags: [(String, String)] = []
  /// (file name, bytes, content type).
  public var artifacts: [(String, Data, String)] = []
  public init(name: String, key: String, dataset: String) {
    self.name = name
    self.key = key
    self.dataset = dataset
  }
}

public struct TrackingError: Error, CustomStringConvertible, Sendable {
  public let message: String
  public var description: String { message }
}

/// MLflow's tracking REST API (`/api/2.0/mlflow/...`) and its artifact proxy
/// (`/api/2.0/mlflow-artifacts/...`), over plain HTTP(S). Synchronous.
///
/// Every request has a deadline (`requestSeconds`, more for large uploads), and a server that missed
/// one is not asked again by this client: a server that accepts connections and never answers costs
/// one deadline, not one per request and run.
public final class MLflowClient: Sendable {
  public let base: String
  /// How long one request may take (connecting, sending, the answer), before a large body's share.
  public let requestSeconds: Double
  /// Set once a request missed its deadline: the message every later call fails with at once.
  private let unresponsive = Mutex<String?>(nil)

  public init(uri: String, requestSeconds: Double = 15) throws {
    var u = uri
    while u.hasSuffix("/") { u.removeLast() }
    guard let url = URL(string: u), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil else {
      throw TrackingError(message: "--mlflow takes the tracking server's URL, e.g. http://127.0.0.1:5000 (got '\(uri)')")
    }
    base = u
    self.requestSeconds = requestSeconds
  }

  /// A transport failure in words, naming the server.
  func describe(_ error: any Error, method: String, path: String, seconds: Double) -> String {
    let code = (error as? URLError)?.code.rawValue ?? (error as NSError).code
    let what: String
    switch code {
    case NSURLErrorTimedOut: what = "no answer to \(method) \(path) within \(Int(seconds)) s (the server accepted the connection but did not reply)"
    case NSURLErrorCannotConnectToHost: what = "nothing accepts connections there (is `mlflow server` running, on this port?)"
    case NSURLErrorCannotFindHost, NSURLErrorDNSLookupFailed: what = "the host name is not known"
    case NSURLErrorNetworkConnectionLost: what = "the connection was closed during \(method) \(path)"
    case NSURLErrorNotConnectedToInternet: what = "no network"
    case NSURLErrorSecureConnectionFailed, NSURLErrorServerCertificateUntrusted, NSURLErrorServerCertificateHasBadDate:
      what = "the TLS connection failed (\(error.localizedDescription))"
    default: what = error.localizedDescription
    }
    return "MLflow server \(base): \(what)"
  }

  /// One request; the JSON reply, or an error with MLflow's message.
  func call(_ method: String, _ path: String, json: [String: Any]? = nil, body: Data? = nil, contentType: String? = nil) throws -> [String: Any] {
    if let why = unresponsive.withLock({ $0 }) { throw TrackingError(message: why) }
    guard let url = URL(string: base + path) else { throw TrackingError(message: "bad URL \(base + path)") }
    // A large upload gets a second more per MiB (at least 1 MiB/s is expected of the link).
    let seconds = requestSeconds + Double((body?.count ?? 0) >> 20)
    var req = URLRequest(url: url, timeoutInterval: seconds)
    req.httpMethod = method
    if let json {
      req.httpBody = try JSONSerialization.data(withJSONObject: json)
      req.setValue("application/json", forHTTPHeaderField: "Content-Type")
    } else if let body {
      req.httpBody = body
      req.setValue(contentType ?? "application/octet-stream", forHTTPHeaderField: "Content-Type")
    }
    let box = ResponseBox()
    let done = DispatchSemaphore(value: 0)
    let task = URLSession.shared.dataTask(with: req) { data, response, error in
      box.set(data, (response as? HTTPURLResponse)?.statusCode ?? 0, error)
      done.signal()
    }
    task.resume()
    if done.wait(timeout: .now() + seconds + 1) == .timedOut {
      task.cancel()
      let why = "MLflow server \(base): no answer to \(method) \(path) within \(Int(seconds)) s (the server accepted the connection but did not reply)"
      unresponsive.withLock { $0 = why }
      throw TrackingError(message: why)
    }
    let (data, status, error) = box.get()
    if let error {
      let why = describe(error, method: method, path: path, seconds: seconds)
      let code = (error as? URLError)?.code.rawValue ?? (error as NSError).code
      if code == NSURLErrorTimedOut { unresponsive.withLock { $0 = why } }
      throw TrackingError(message: why)
    }
    let obj = data.flatMap { try? JSONSerialization.jsonObject(with: $0) } as? [String: Any] ?? [:]
    guard (200..<300).contains(status) else {
      let msg = obj["message"] as? String ?? data.map { String(decoding: $0.prefix(300), as: UTF8.self) } ?? ""
      throw TrackingError(message: "\(base): \(method) \(path) answered \(status): \(msg)")
    }
    return obj
  }

  public func experimentId(name: String) throws -> String {
    let q = name.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed.subtracting(CharacterSet(charactersIn: "&=+"))) ?? name
    if let r = try? call("GET", "/api/2.0/mlflow/experiments/get-by-name?experiment_name=\(q)"),
      let e = r["experiment"] as? [String: Any], let id = e["experiment_id"] as? String
    {
      return id
    }
    let r = try call("POST", "/api/2.0/mlflow/experiments/create", json: ["name": name])
    guard let id = r["experiment_id"] as? String else { throw TrackingError(message: "\(base): no experiment id for '\(name)'") }
    return id
  }

  /// The run logged earlier for this segscope run (same key and dataset), if any.
  public func findRun(experimentId: String, key: String, dataset: String) throws -> (id: String, params: [String: String])? {
    func quoted(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "\\'") + "'" }
    let r = try call(
      "POST", "/api/2.0/mlflow/runs/search",
      json: [
        "experiment_ids": [experimentId], "filter": "tags.segscope_key = \(quoted(key)) and tags.segscope_dataset = \(quoted(dataset))", "max_results": 1,
      ])
    guard let run = (r["runs"] as? [[String: Any]])?.first, let info = run["info"] as? [String: Any], let id = info["run_id"] as? String else { return nil }
    var params: [String: String] = [:]
    for p in ((run["data"] as? [String: Any])?["params"] as? [[String: Any]]) ?? [] {
      if let k = p["key"] as? String, let v = p["value"] as? String { params[k] = v }
    }
    return (id, params)
  }

  /// Logs `run`: creates it, or updates the run logged before for the same key and dataset. Returns
  /// the run id and what could not be done (artifacts the server refused).
  public func log(_ run: TrackedRun, experiment: String) throws -> (runId: String, updated: Bool, notes: [String]) {
    let exp = try experimentId(name: experiment)
    let now = Int64(Date().timeIntervalSince1970 * 1000)
    var notes: [String] = []
    let tags = [("segscope_key", run.key), ("segscope_dataset", run.dataset), ("mlflow.runName", run.name)] + run.tags
    var runId: String
    var params = run.params
    let existing = try findRun(experimentId: exp, key: run.key, dataset: run.dataset)
    if let existing {
      runId = existing.id
      // Params cannot change in MLflow: unchanged ones are not sent again, changed ones become tags.
      var kept: [(String, String)] = []
      for (k, v) in params {
        if let old = existing.params[k] {
          if old != v { notes.append("param \(k) changed (\(old) → \(v)); kept as tag changed.\(k)") }
        } else {
          kept.append((k, v))
        }
      }
      let changed = params.filter { existing.params[$0.0] != nil && existing.params[$0.0] != $0.1 }
      params = kept
      if !changed.isEmpty {
        _ = try call(
          "POST", "/api/2.0/mlflow/runs/log-batch",
          json: ["run_id": runId, "tags": changed.map { ["key": "changed.\($0.0)", "value": String($0.1.prefix(5000))] }])
      }
    } else {
      let r = try call(
        "POST", "/api/2.0/mlflow/runs/create",
        json: ["experiment_id": exp, "run_name": run.name, "start_time": now, "tags": tags.map { ["key": $0.0, "value": $0.1] }])
      guard let info = (r["run"] as? [String: Any])?["info"] as? [String: Any], let id = info["run_id"] as? String else {
        throw TrackingError(message: "\(base): runs/create gave no run id")
      }
      runId = id
    }
    // MLflow takes at most 1000 metrics, 100 params and 100 tags per batch.
    let metrics = run.metrics.filter { $0.1.isFinite }
    for chunk in stride(from: 0, to: max(metrics.count, 1), by: 1000) {
      let part = metrics[chunk..<min(metrics.count, chunk + 1000)]
      let batchParams = chunk == 0 ? params.prefix(100).map { ["key": $0.0, "value": String($0.1.prefix(6000))] } : []
      let batchTags = chunk == 0 ? tags.prefix(100).map { ["key": $0.0, "value": String($0.1.prefix(5000))] } : []
      _ = try call(
        "POST", "/api/2.0/mlflow/runs/log-batch",
        json: [
          "run_id": runId, "metrics": part.map { ["key": $0.0, "value": $0.1, "timestamp": now, "step": 0] }, "params": batchParams, "tags": batchTags,
        ])
    }
    if params.count > 100 { notes.append("\(params.count - 100) params over MLflow's 100 per batch were left out") }
    for (name, data, type) in run.artifacts {
      do {
        _ = try call("PUT", "/api/2.0/mlflow-artifacts/artifacts/\(exp)/\(runId)/artifacts/\(name)", body: data, contentType: type)
      } catch {
        notes.append("artifact \(name) not uploaded (the server must serve artifacts: mlflow server --serve-artifacts): \(error)")
      }
    }
    _ = try call("POST", "/api/2.0/mlflow/runs/update", json: ["run_id": runId, "status": "FINISHED", "end_time": now])
    return (runId, existing != nil, notes)
  }

  /// MLflow metric and param names: letters, digits, `_ - . / space`; anything else becomes `_`.
  public static func name(_ s: String) -> String {
    String(
      String.UnicodeScalarView(
        s.unicodeScalars.map { c in CharacterSet.alphanumerics.contains(c) && c.isASCII || "_-./ ".unicodeScalars.contains(c) ? c : "_" }))
  }
}

/// The answer of one request, handed from URLSession's queue.
final class ResponseBox: @unchecked Sendable {
  private let lock = NSLock()
  private var data: Data?
  private var status = 0
  private var error: (any Error)?
  func set(_ d: Data?, _ s: Int, _ e: (any Error)?) {
    lock.lock()
    data = d
    status = s
    error = e
    lock.unlock()
  }
  func get() -> (Data?, Int, (any Error)?) {
    lock.lock()
    defer { lock.unlock() }
    return (data, status, error)
  }
}
