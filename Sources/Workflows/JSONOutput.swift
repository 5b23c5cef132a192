import Foundation

/// The JSON that segscope prints: one Codable type per output, encoded one way.
public enum JSONOutput {
  /// Compact JSON, keys sorted (the same output every time), slashes left alone (paths stay readable).
  public static func string<T: Encodable>(_ value: T) throws -> String {
    let e = JSONEncoder()
    e.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
    return String(decoding: try e.encode(value), as: UTF8.self)
  }
}

/// A value that is written as `null` when absent (Swift's synthesized coding would leave the key out).
public struct Nullable<T: Encodable & Sendable>: Encodable, Sendable {
  public let value: T?
  public init(_ value: T?) { self.value = value }
  public func encode(to encoder: any Encoder) throws {
    var c = encoder.singleValueContainer()
    if let value { try c.encode(value) } else { try c.encodeNil() }
  }
}

extension Nullable where T == Double {
  /// NaN (an undefined metric) is written as null.
  public init(number: Double?) { value = number.flatMap { $0.isNaN ? nil : $0 } }
}

/// `segscope export --format json`: a view's samples with their metrics in a run.
public struct ViewExportReport: Encodable, Sendable {
  public struct Sample: Encodable, Sendable {
    public let id: Int64
    public let path: String
    public let split: Nullable<String>
    public let width: Int
    public let height: Int
    public let miou: Nullable<Double>
    public let accuracy: Nullable<Double>
    public let tags: [String]
    public let openFlags: Int
    /// FiftyOne's per-sample fields, present for runs made with --dialect fiftyone.
    public var accFo: Nullable<Double>? = nil
    public var precisionFo: Nullable<Double>? = nil
    public var recallFo: Nullable<Double>? = nil
    enum CodingKeys: String, CodingKey {
      case id, path, split, width, height, miou, accuracy, tags, openFlags = "open_flags", accFo = "acc_fo", precisionFo = "precision_fo",
        recallFo = "recall_fo"
    }
  }
  public let view: String
  public let run: Nullable<String>
  public let samples: [Sample]
}
