// Station files as strict JSON, checked before the schema sees them: what JSON itself lets through
// but a station must not take. The file's bytes must be UTF-8 (never read as U+FFFD), its size and
// nesting are bounded (a deep file must not overflow the parser's stack), a key appears once per
// object (no "last one wins"), no key is __proto__, constructor or prototype (nothing reaches an
// object's prototype), and no text holds a control character (NUL, ESC, DEL, C1) or a lone
// surrogate. Every problem names its JSON path, or the byte, line and column where it is.
import { isUtf8 } from 'node:buffer'
import {
  createScanner,
  type Node,
  parseTree,
  printParseErrorCode,
  type ParseError
} from 'jsonc-parser'

// jsonc-parser's SyntaxKind is an ambient const enum (not importable as a value): its numbers.
const TOKEN = { openBrace: 1, closeBrace: 2, openBracket: 3, closeBracket: 4, eof: 17 } as const

export interface JsonProblem {
  path: string
  message: string
}

/** Far above any real station file; keeps a stray path (a disk image, a log) from filling memory. */
export const MAX_STATION_FILE_BYTES = 16 * 1024 * 1024
/** A station file nests about six levels (channels, a channel, its loop, items, an item). */
export const MAX_JSON_DEPTH = 32
/** Problems listed before the rest are left out (a broken file must not make a megabyte of errors). */
const MAX_PROBLEMS = 50

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype'])
// C0 controls (tab and newline included: no station file text is multi-line), DEL and C1 controls.
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/

const JSON_ERRORS: Record<string, string> = {
  InvalidSymbol: 'unexpected character',
  InvalidNumberFormat: 'malformed number',
  PropertyNameExpected: 'a property name in double quotes was expected',
  ValueExpected: 'a value was expected',
  ColonExpected: 'a colon was expected',
  CommaExpected: 'a comma was expected',
  CloseBraceExpected: 'a closing } was expected',
  CloseBracketExpected: 'a closing ] was expected',
  EndOfFileExpected: 'unexpected content after the end of the document',
  InvalidCommentToken: 'comments are not allowed in JSON',
  UnexpectedEndOfComment: 'comments are not allowed in JSON',
  UnexpectedEndOfString: 'unterminated string',
  UnexpectedEndOfNumber: 'malformed number',
  InvalidUnicode: 'invalid unicode escape',
  InvalidEscapeCharacter: 'invalid escape character in a string',
  InvalidCharacter: 'invalid character in a string'
}

/** A JSON path as problems name it: `$.channels[0].name`, odd keys quoted (`$["a b"]`). */
export function jsonPath(segments: ReadonlyArray<PropertyKey>): string {
  return segments.reduce<string>((acc, s) => {
    if (typeof s === 'number') return `${acc}[${s}]`
    const key = String(s)
    return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key)
      ? `${acc}.${key}`
      : `${acc}[${JSON.stringify(key)}]`
  }, '$')
}

/** Line and column (1-based) of a character offset in the text. */
function lineColumn(text: string, offset: number): string {
  const before = text.slice(0, offset)
  const line = before.split('\n').length
  return `line ${line}, column ${offset - before.lastIndexOf('\n')}`
}

/** Byte offset of the first byte that is not well-formed UTF-8 (overlong forms and surrogates included), or -1. */
export function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0
  while (i < b.length) {
    const c = b[i]!
    if (c < 0x80) {
      i++
      continue
    }
    const n =
      c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : 0
    if (n === 0 || i + n >= b.length) return i
    for (let k = 1; k <= n; k++) if ((b[i + k]! & 0xc0) !== 0x80) return i
    const c1 = b[i + 1]!
    if (
      (c === 0xe0 && c1 < 0xa0) ||
      (c === 0xed && c1 > 0x9f) ||
      (c === 0xf0 && c1 < 0x90) ||
      (c === 0xf4 && c1 > 0x8f)
    )
      return i
    i += n + 1
  }
  return -1
}

/** The file's bytes as text, or where they stop being UTF-8. */
function decode(bytes: Uint8Array): { text: string } | { problem: JsonProblem } {
  if (isUtf8(bytes))
    return { text: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8') }
  const at = firstInvalidUtf8(bytes)
  let line = 1
  let lineStart = 0
  for (let i = 0; i < at; i++) {
    if (bytes[i] === 0x0a) {
      line++
      lineStart = i + 1
    }
  }
  const byte = bytes[at]!.toString(16).toUpperCase().padStart(2, '0')
  return {
    problem: {
      path: '$',
      message: `not valid UTF-8 at byte ${at} (line ${line}, byte ${at - lineStart + 1} of the line: 0x${byte}); save the file as UTF-8`
    }
  }
}

/** The first place the nesting goes deeper than the limit, found without recursion (the parser recurses). */
function tooDeep(text: string): JsonProblem | null {
  const scanner = createScanner(text, true)
  let depth = 0
  for (let token: number = scanner.scan(); token !== TOKEN.eof; token = scanner.scan()) {
    if (token === TOKEN.openBrace || token === TOKEN.openBracket) {
      if (++depth > MAX_JSON_DEPTH) {
        return {
          path: '$',
          message: `nested more than ${MAX_JSON_DEPTH} levels deep at ${lineColumn(text, scanner.getTokenOffset())}; a station file is far shallower`
        }
      }
    } else if (token === TOKEN.closeBrace || token === TOKEN.closeBracket)
      depth = Math.max(0, depth - 1)
  }
  return null
}

/** What is wrong with a string of the file (a key or a value), if anything. */
function textProblem(s: string): string | null {
  const control = CONTROL.exec(s)
  if (control) {
    const code = control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')
    return `contains a control character (U+${code}) at character ${control.index + 1}; text in a station file may not hold control characters`
  }
  if (LONE_SURROGATE.test(s))
    return 'contains a lone surrogate (an unpaired \\uD800-\\uDFFF escape), which is no character'
  return null
}

/**
 * The value of a parsed tree (its depth already bounded), refusing duplicate and prototype keys and
 * control characters, each problem with its path.
 */
function buildValue(text: string, root: Node, problems: JsonProblem[]): unknown {
  const add = (path: ReadonlyArray<PropertyKey>, message: string) => {
    if (problems.length < MAX_PROBLEMS) problems.push({ path: jsonPath(path), message })
  }
  const valueOf = (node: Node, path: PropertyKey[]): unknown => {
    switch (node.type) {
      case 'object': {
        const out: Record<string, unknown> = {}
        const firstAt = new Map<string, number>()
        for (const prop of node.children ?? []) {
          const [keyNode, valueNode] = prop.children ?? []
          if (!keyNode || !valueNode) continue
          const key = String(keyNode.value)
          const keyProblem = textProblem(key)
          if (keyProblem) {
            add(path, `a key ${keyProblem}`)
            continue
          }
          if (FORBIDDEN_KEYS.has(key)) {
            add([...path, key], `"${key}" is not allowed as a key`)
            continue
          }
          const first = firstAt.get(key)
          if (first !== undefined) {
            add(
              [...path, key],
              `duplicate key "${key}" (first at ${lineColumn(text, first)}, again at ${lineColumn(text, keyNode.offset)}): each key may appear once`
            )
            continue
          }
          firstAt.set(key, keyNode.offset)
          out[key] = valueOf(valueNode, [...path, key])
        }
        return out
      }
      case 'array':
        return (node.children ?? []).map((child, i) => valueOf(child, [...path, i]))
      case 'string': {
        const problem = textProblem(String(node.value))
        if (problem) add(path, problem)
        return node.value
      }
      default:
        return node.value
    }
  }
  return valueOf(root, [])
}

/**
 * Parses a station file's bytes as strict JSON (no comments, no trailing commas, the checks above).
 * Returns the value, or every problem found (the first syntax error alone when it is not JSON).
 */
export function parseStrictJson(
  bytes: Uint8Array
): { value: unknown } | { problems: JsonProblem[] } {
  if (bytes.byteLength > MAX_STATION_FILE_BYTES) {
    return {
      problems: [
        {
          path: '$',
          message: `the station file is ${bytes.byteLength} bytes; at most ${MAX_STATION_FILE_BYTES} are accepted`
        }
      ]
    }
  }
  const decoded = decode(bytes)
  if ('problem' in decoded) return { problems: [decoded.problem] }
  const { text } = decoded
  const deep = tooDeep(text)
  if (deep) return { problems: [deep] }
  const errors: ParseError[] = []
  const root = parseTree(text, errors, {
    disallowComments: true,
    allowTrailingComma: false,
    allowEmptyContent: false
  })
  const first = errors[0]
  if (first || !root) {
    const code = first ? printParseErrorCode(first.error) : 'ValueExpected'
    return {
      problems: [
        {
          path: '$',
          message: `not valid JSON at ${lineColumn(text, first?.offset ?? 0)}: ${JSON_ERRORS[code] ?? code}`
        }
      ]
    }
  }
  const problems: JsonProblem[] = []
  const value = buildValue(text, root, problems)
  return problems.length > 0 ? { problems } : { value }
}
