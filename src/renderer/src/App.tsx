export function App() {
  return (
    <main style={{ fontFamily: 'system-ui, sans-serif', background: '#111', color: '#eee', minHeight: '100vh', padding: 24 }}>
      <h1 style={{ margin: 0 }}>RetroVue Master Control</h1>
      <p>The multiviewer is being wired up. The station engine is running.</p>
    </main>
  );
}
