// escapeXml returns text that needs nothing as it is (the guide's fast path) and anything else
// escaped and cleaned exactly as the full pass does: markup characters, control characters, lone
// surrogates and U+FFFE/U+FFFF, whatever the mix.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { escapeXml } from '../../src/server/iptv/xml'

const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu
const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;'
}
const fullPass = (text: string) =>
  text.replace(NOT_XML_CHAR, '').replace(/[&<>"']/g, (c) => ENTITIES[c]!)

describe('escapeXml', () => {
  it('is the full pass for any string of UTF-16 code units', () => {
    const unit = fc.oneof(
      fc.integer({ min: 0, max: 0xffff }),
      fc.constantFrom(
        0,
        9,
        10,
        11,
        13,
        0x1f,
        0x20,
        0x22,
        0x26,
        0x27,
        0x3c,
        0x3e,
        0xd800,
        0xdbff,
        0xdc00,
        0xdfff,
        0xfffe,
        0xffff
      )
    )
    fc.assert(
      fc.property(fc.array(unit, { maxLength: 12 }), (units) => {
        const text = String.fromCharCode(...units)
        expect(escapeXml(text)).toBe(fullPass(text))
      }),
      { numRuns: 5_000 }
    )
  })

  it('escapes markup, drops what XML cannot carry, keeps pairs, and returns clean text as it is', () => {
    expect(escapeXml('Show <1> & "Friends" \'uncut\'')).toBe(
      'Show &lt;1&gt; &amp; &quot;Friends&quot; &apos;uncut&apos;'
    )
    expect(escapeXml('a\u0000b\u0008c\u000Bd\uFFFEe\uFFFF\uD800f')).toBe('abcdef')
    expect(escapeXml('Tab\tnew\nline\r \u{1F4FA} caf\u00E9 \uE000 \uFFFD')).toBe(
      'Tab\tnew\nline\r \u{1F4FA} caf\u00E9 \uE000 \uFFFD'
    )
    const clean = 'Cartoon Hour: Episode 12 (1962) - 100% #1 = best?'
    expect(escapeXml(clean)).toBe(clean)
  })
})
