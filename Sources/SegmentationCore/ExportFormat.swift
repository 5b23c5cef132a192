/// A dataset folder an annotation tool reads (written by the exporter).
public enum FolderExport: String, Sendable, CaseIterable {
  case imgseg, voc, coco, cvat
}

/// One file that describes a view: a table, a document, a contact sheet, the embedding map.
public enum FileExport: String, Sendable, CaseIterable {
  case csv, json, sheet, map
}

/// Every format a view can be exported as, by the name the command line and the palette use. This
/// is the one list: commands check names against it, and each writer takes its own half.
public enum ExportFormat: Sendable, Equatable, Hashable {
  case folder(FolderExport)
  case file(FileExport)

  public static let all: [ExportFormat] = FolderExport.allCases.map(ExportFormat.folder) + FileExport.allCases.map(ExportFormat.file)

  public init?(name: String) {
    if let f = FolderExport(rawValue: name) {
      self = .folder(f)
    } else if let f = FileExport(rawValue: name) {
      self = .file(f)
    } else {
      return nil
    }
  }

  public var name: String {
    switch self {
    case .folder(let f): return f.rawValue
    case .file(let f): return f.rawValue
    }
  }

  /// "imgseg, voc, coco, cvat, csv, json, sheet or map".
  public static var names: String {
    let words = all.map(\.name)
    return words.dropLast().joined(separator: ", ") + " or " + (words.last ?? "")
  }
}
