// Text into XML: markup characters escaped, and what XML 1.0 cannot carry at all (most control
// characters, lone surrogates, U+FFFE/U+FFFF) dropped, so any title yields a well-formed document.

// Everything outside XML 1.0's Char production.
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;'
}

// Anything but what passes through unchanged (markup characters, what NOT_XML_CHAR drops, and any
// surrogate: pairs are kept, but the full pass decides). Most titles have none, and are returned as they are.
const NEEDS_WORK = /[^\t\n\r\u0020\u0021\u0023-\u0025\u0028-\u003B\u003D\u003F-\uD7FF\uE000-\uFFFD]/

export function escapeXml(text: string): string {
  if (!NEEDS_WORK.test(text)) return text
  return text.replace(NOT_XML_CHAR, '').replace(/[&<>"']/g, (c) => ENTITIES[c]!)
}
