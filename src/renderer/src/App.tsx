import { useEffect, useState } from 'react';
import type { ChannelStatusDto, ModeDto } from '../../shared/api';

/** The API token arrives in the URL fragment (never sent to the server) and stays in this tab. */
function apiToken(): string | null {
  const fromHash = new URLSearchParams(window.location.hash.slice(1)).get('token');
  if (fromHash) {
    sessionStorage.setItem('retrovue-token', fromHash);
    history.replaceState(null, '', window.location.pathname);
    return fromHash;
  }
  return sessionStorage.getItem('retrovue-token');
}

interface Station {
  channels: ChannelStatusDto[];
  mode: ModeDto;
}

// Placeholder console: the station's channels and what is on now. The multiviewer replaces it.
export function App() {
  const [station, setStation] = useState<Station | null>(null);
  const [problem, setProblem] = useState<string | null>(null);

  useEffect(() => {
    const token = apiToken();
    if (!token) {
      setProblem('No API token: open the address `serve` printed (it ends in #token=...).');
      return;
    }
    const headers = { authorization: `Bearer ${token}` };
    Promise.all([fetch('/api/channels', { headers }), fetch('/api/mode', { headers })])
      .then(async ([c, m]) => {
        if (!c.ok || !m.ok) throw new Error(`the station answered ${c.status}`);
        const { channels } = (await c.json()) as { channels: ChannelStatusDto[] };
        setStation({ channels, mode: (await m.json()) as ModeDto });
      })
      .catch((err: unknown) => setProblem(`Cannot reach the station: ${String(err)}`));
  }, []);

  return (
    <main style={{ fontFamily: 'system-ui, sans-serif', background: '#0b0d10', color: '#e8e8e8', minHeight: '100vh', padding: 24 }}>
      <h1 style={{ margin: '0 0 4px' }}>RetroVue Master Control</h1>
      <p style={{ margin: '0 0 20px', color: '#9aa4b2' }}>The multiviewer is on its way; the station engine is running.</p>
      {problem && <p role="alert">{problem}</p>}
      {station && (
        <section aria-label="channels">
          <p data-testid="mode">Station mode: {station.mode.mode === 'normal' ? 'normal' : `EMERGENCY (${station.mode.emergency?.scope})`}</p>
          <ul style={{ listStyle: 'none', padding: 0, display: 'grid', gap: 8, gridTemplateColumns: 'repeat(auto-fill, minmax(260px, 1fr))' }}>
            {station.channels.map((c) => (
              <li key={c.uuid} data-testid="channel" style={{ background: '#151a21', borderRadius: 6, padding: 12 }}>
                <strong>{c.name}</strong> <span style={{ color: '#9aa4b2' }}>{c.timezone}</span>
                <div>{c.nowPlaying ? `Now: ${c.nowPlaying.title}` : c.kind === 'guide' ? 'Listings' : 'Nothing scheduled'}</div>
                <div style={{ color: '#9aa4b2' }}>{c.next ? `Next: ${c.next.title}` : ''}</div>
              </li>
            ))}
          </ul>
        </section>
      )}
    </main>
  );
}
