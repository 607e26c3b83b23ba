// Push destination URLs: what is accepted, and the redacted form everything outside the store shows.
import { describe, expect, it } from 'vitest'
import {
  outputUrlProblem,
  redactOutputUrl,
  sameDestination,
  scrubOutputUrl
} from '../../src/shared/output-url'

describe('push destination URLs', () => {
  it.each([
    ['rtmp://live.example.com/app/sk_live_abcdef123', 'rtmp://live.example.com/app/****23'],
    ['rtmp://127.0.0.1:1935/live/short', 'rtmp://127.0.0.1:1935/live/****'],
    [
      'rtmps://a.rtmp.youtube.com:443/live2/xxxx-yyyy-zzzz-wwww',
      'rtmps://a.rtmp.youtube.com:443/live2/****ww'
    ],
    [
      'rtmp://user:secretpw@host/app/key/with/slashes?token=abc',
      'rtmp://****@host/app/****es?token=****'
    ],
    [
      'srt://ingest.example.com:9000?streamid=publish:live/key123&passphrase=verysecret1&latency=200',
      'srt://ingest.example.com:9000?streamid=****&passphrase=****&latency=200'
    ],
    ['srt://10.0.0.5:9000', 'srt://10.0.0.5:9000']
  ])('%s shows as %s', (url, shown) => {
    expect(outputUrlProblem(url)).toBeNull()
    expect(redactOutputUrl(url)).toBe(shown)
  })

  it.each([
    ['http://host/app/key', 'must be an rtmp://, rtmps:// or srt:// URL (not http://)'],
    ['rtmp://host/app', 'must name the application and the stream key'],
    ['rtmp://host', 'must name the application and the stream key'],
    ['srt://host', 'must give a port'],
    ['not a url', 'must not contain spaces'],
    ['rtmp:/', 'must name a host'],
    ['live/key', 'must be an absolute URL'],
    [`rtmp://host/app/${'k'.repeat(2000)}`, 'at most 2000 characters'],
    ['rtmp://host/app/key\n-f null', 'control characters'],
    ['RTMP://host/app/key', 'lower case']
  ])('refuses %.60j: %s', (url, problem) => {
    expect(outputUrlProblem(url)).toContain(problem)
  })

  it('scrubs every secret from text that quotes the URL (a tool error)', () => {
    const url = 'rtmp://user:pw12@host:1935/app/sk_live_abcdef123?auth=tok999'
    const line = `${url}: Connection refused (stream sk_live_abcdef123, auth tok999, user pw12)`
    const scrubbed = scrubOutputUrl(line, url)
    for (const secret of ['sk_live_abcdef123', 'tok999', 'pw12'])
      expect(scrubbed).not.toContain(secret)
    expect(scrubbed).toContain('Connection refused')
    expect(scrubbed).toContain('host:1935/app/')
  })

  it('scrubs the decoded forms and an SRT streamid the parser takes for a fragment', () => {
    const url = 'srt://ingest:9000?streamid=#!::r=live/k%C3%A9y99,m=publish&passphrase=p%40ss-word1'
    const line =
      'Connection to srt://ingest:9000?streamid=#!::r=live/kéy99,m=publish failed (passphrase p@ss-word1)'
    const scrubbed = scrubOutputUrl(line, url)
    for (const secret of ['kéy99', 'p@ss-word1', 'r=live']) expect(scrubbed).not.toContain(secret)
    expect(redactOutputUrl(url)).toBe('srt://ingest:9000?streamid=****&passphrase=****')
  })

  it('knows one destination however its host is cased', () => {
    expect(
      sameDestination('rtmp://Media.Example.com/live/k', 'rtmp://media.example.com/live/k')
    ).toBe(true)
    expect(
      sameDestination('rtmp://media.example.com/live/k', 'rtmp://media.example.com/live/K')
    ).toBe(false)
    expect(
      sameDestination('rtmp://media.example.com:1935/live/k', 'rtmp://media.example.com/live/k')
    ).toBe(false)
  })
})
