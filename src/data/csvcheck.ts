/**
 * Pinpoints why a CSV file failed to load. DuckDB's own messages name the wrong line for encoding
 * errors and give up on ragged files while sniffing, so on failure we scan the bytes ourselves: the
 * first invalid UTF-8 sequence (byte offset and line), or the first row whose field count differs from
 * the header's (line number, expected and actual counts). Runs only after a failure, never on the hot path.
 */
import { createReadStream } from "node:fs";
import { MlshipError } from "../core/errors.js";

/** Length of the UTF-8 sequence starting with `b`, or 0 if `b` cannot start one. */
function sequenceLength(b: number): number {
  if (b < 0x80) return 1;
  if (b >= 0xc2 && b <= 0xdf) return 2;
  if (b >= 0xe0 && b <= 0xef) return 3;
  if (b >= 0xf0 && b <= 0xf4) return 4;
  return 0;
}

export async function diagnoseCsv(path: string, delimiter: string): Promise<MlshipError | null> {
  const delim = delimiter.charCodeAt(0);
  const quote = 0x22;
  let offset = 0; // byte offset of the current byte in the file
  let line = 1; // physical line of the current byte
  let recordLine = 1; // line where the current record started
  let fields = 1;
  let expected = -1;
  let inQuotes = false;
  let pending = 0; // continuation bytes still expected
  let sequenceStart = 0;
  let recordHasContent = false;

  const endRecord = (): MlshipError | null => {
    if (recordHasContent || fields > 1) {
      if (expected === -1) expected = fields;
      else if (fields !== expected) {
        return new MlshipError({
          what: `row on line ${recordLine} has ${fields} fields, expected ${expected} like the header`,
          where: `${path}:${recordLine}`,
          fix: "fix that row (a missing or extra delimiter, or an unbalanced quote) and load again",
          code: "E_DATA_RAGGED",
          data: { line: recordLine, expected, actual: fields },
        });
      }
    }
    fields = 1;
    recordHasContent = false;
    return null;
  };

  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    for (let i = 0; i < chunk.length; i++, offset++) {
      const b = chunk[i];
      if (pending > 0) {
        if ((b & 0xc0) !== 0x80) return encodingError(path, sequenceStart, line);
        pending--;
        continue;
      }
      if (b >= 0x80) {
        const len = sequenceLength(b);
        if (len === 0) return encodingError(path, offset, line);
        pending = len - 1;
        sequenceStart = offset;
        recordHasContent = true;
        continue;
      }
      if (b === quote) {
        // A doubled quote inside a quoted field is an escaped quote: toggling twice keeps us inside.
        inQuotes = !inQuotes;
        recordHasContent = true;
        continue;
      }
      if (b === 10) {
        line++;
        if (!inQuotes) {
          const err = endRecord();
          if (err) return err;
          recordLine = line;
        }
      } else if (b === 13) {
        // part of a CRLF line break
      } else if (b === delim && !inQuotes) fields++;
      else recordHasContent = true;
    }
  }
  if (pending > 0) return encodingError(path, sequenceStart, line);
  return endRecord();
}

function encodingError(path: string, byteOffset: number, line: number): MlshipError {
  return new MlshipError({
    what: `file is not valid UTF-8: invalid byte sequence at byte offset ${byteOffset} (line ${line})`,
    where: `${path}:${line}`,
    fix: "re-export the file as UTF-8 (e.g. `iconv -f latin1 -t utf-8 in.csv > out.csv`)",
    code: "E_DATA_ENCODING",
    data: { byteOffset, line },
  });
}
