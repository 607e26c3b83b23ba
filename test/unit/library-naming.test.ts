// Show, season, episode, title and year from names as Plex, Jellyfin and Kodi name media, and the
// fields of Kodi .nfo sidecars (read with an XML parser: entities, CDATA, several genres).
import { describe, expect, it } from 'vitest'
import { isMediaFile, parseMediaName } from '../../src/library/naming'
import { parseNfo } from '../../src/library/nfo'

describe('library naming', () => {
  it.each([
    [
      'Show/Season 01/Show - S01E02 - Title.mkv',
      { kind: 'episode', show: 'Show', season: 1, episode: 2, title: 'Title', year: null }
    ],
    [
      'Show (1999)/Season 1/Show (1999) - s01e02 - The Title.mp4',
      { kind: 'episode', show: 'Show', season: 1, episode: 2, title: 'The Title', year: 1999 }
    ],
    [
      'The.Show.S03E10.720p.HDTV.x264.mkv',
      { kind: 'episode', show: 'The Show', season: 3, episode: 10, episodeTitle: null }
    ],
    [
      'Other Show/Other Show 1x03.mp4',
      { kind: 'episode', show: 'Other Show', season: 1, episode: 3 }
    ],
    [
      'Cartoons/Season 02/05 - A Day Out.avi',
      { kind: 'episode', show: 'Cartoons', season: 2, episode: 5, title: 'A Day Out' }
    ],
    [
      'Show/Specials/Show - S00E01 - Christmas.mkv',
      { kind: 'episode', show: 'Show', season: 0, episode: 1, title: 'Christmas' }
    ],
    [
      'Show - S01E01-E02 - Double.mkv',
      { kind: 'episode', show: 'Show', season: 1, episode: 1, title: 'Double' }
    ],
    ['Movie (2001).mkv', { kind: 'movie', title: 'Movie', year: 2001, show: null }],
    ['Movies/Some.Movie.1984.1080p.BluRay.mkv', { kind: 'movie', title: 'Some Movie', year: 1984 }],
    ['Film (1980)/Film (1980).mp4', { kind: 'movie', title: 'Film', year: 1980 }],
    ['Blade Runner 2049 (2017).mkv', { kind: 'movie', title: 'Blade Runner 2049', year: 2017 }],
    ['idents/station ident.mov', { kind: 'other', title: 'station ident', show: null }],
    // The title is for guides: one line (the path keeps the newline).
    ['Café déjà vu\nnight.mp4', { kind: 'other', title: 'Café déjà vu night' }]
  ])('%s', (name, expected) => {
    expect(parseMediaName(name)).toMatchObject(expected)
  })

  it('considers only media extensions, in any case', () => {
    expect(isMediaFile('a/b.MKV')).toBe(true)
    expect(isMediaFile('x.m2ts')).toBe(true)
    expect(isMediaFile('x.opus')).toBe(true)
    for (const f of ['x.nfo', 'poster.jpg', 'x.srt', 'x.txt', 'mp4'])
      expect(isMediaFile(f), f).toBe(false)
  })
})

describe('Kodi .nfo sidecars', () => {
  it('reads an episode: title with entities, season, episode, aired year, genres', () => {
    expect(
      parseNfo(`<?xml version="1.0" encoding="UTF-8"?>
<episodedetails>
  <title>Fish &amp; Chips</title>
  <showtitle>Show</showtitle>
  <season>2</season>
  <episode>7</episode>
  <plot><![CDATA[It <b>rains</b>.]]></plot>
  <aired>2004-03-02</aired>
  <genre>Comedy</genre>
  <genre>Drama</genre>
</episodedetails>`)
    ).toEqual({
      root: 'episodedetails',
      title: 'Fish & Chips',
      showTitle: 'Show',
      plot: 'It <b>rains</b>.',
      genres: ['Comedy', 'Drama'],
      year: 2004,
      season: 2,
      episode: 7
    })
  })

  it('reads a movie (genres split on /) and a tvshow', () => {
    expect(
      parseNfo(
        '<movie><title>M</title><premiered>2001-05-04</premiered><genre>Adventure / Family</genre></movie>'
      )
    ).toMatchObject({ root: 'movie', title: 'M', year: 2001, genres: ['Adventure', 'Family'] })
    expect(parseNfo('<tvshow><title>S</title><year>1999</year></tvshow>')).toMatchObject({
      root: 'tvshow',
      title: 'S',
      year: 1999,
      genres: []
    })
  })

  it('gives nothing for what is not a Kodi nfo', () => {
    expect(parseNfo('https://www.themoviedb.org/movie/603')).toBeNull()
    expect(parseNfo('<musicvideo><title>x</title></musicvideo>')).toBeNull()
    expect(parseNfo('<movie><title>unclosed')).toBeNull()
    expect(parseNfo('')).toBeNull()
  })
})
