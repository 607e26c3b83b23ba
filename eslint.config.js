// Lint carries the architecture: the import rules of docs/architecture.md fail `npm run lint` (and so `npm test`)
// when broken. test/unit/import-rules.test.ts plants a violation of each rule and proves it fires.
import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import globals from 'globals'
import { builtinModules } from 'node:module'

const ENGINE_DIRS = ['runtime', 'playout', 'schedule', 'media', 'store', 'server']
// Node's built-in modules, by exact name (a gitignore-style group would also match our own files named e.g. http.ts).
const nodeBuiltinPaths = (message) => builtinModules.map((name) => ({ name, message }))

const msg = {
  electron:
    'Only src/main and src/preload may import electron: the engine must run under plain Node.',
  shared: 'src/shared is the contract: it imports nothing of ours, no Node and no DOM.',
  producer:
    'Producers execute the playout plan they are given: never import runtime/, schedule/, store/, library/ or server/ from playout/.',
  producerSurface: 'Import the playout engine only through playout/index.ts, its public surface.',
  renderer: 'The console talks to the engine only through shared/ (the StationApi).',
  time: 'Only src/runtime/clock.ts reads the system time; ask the MasterClock.',
  schedule:
    'The schedule never depends on the runtime (the runtime asks the schedule): import the clock contract from shared/.',
  timers:
    'Runtime and schedule code uses MasterClock timers (clock.at/after/every), so simulated time drives it in tests.',
  belowServer:
    'server/ is the HTTP room on top: the engine below it (the facade, outputs, library, ops, runtime, schedule, media, store) never imports it.',
  routes:
    'The HTTP room calls the engine through the StationApi (shared/api-routes.ts HttpEngine) and narrow views (server/engine.ts), never the ProgramDirector or the concrete StationFacade.'
}

// One list per file group, because a later `no-restricted-imports` entry replaces an earlier one.
const electronBan = { name: 'electron', message: msg.electron }
const producerSurface = { regex: '(^|/)playout/(?!index$).+', message: msg.producerSurface }
const serverBan = { regex: '(^|/)server(/|$)', message: msg.belowServer }

const timeSelectors = [
  {
    selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']",
    message: msg.time
  },
  { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: msg.time },
  { selector: "CallExpression[callee.type='Identifier'][callee.name='Date']", message: msg.time },
  {
    selector: "CallExpression[callee.object.name='DateTime'][callee.property.name=/^(now|local)$/]",
    message: msg.time
  },
  {
    selector:
      "CallExpression[callee.object.name='DateTime'][callee.property.name='utc'][arguments.length=0]",
    message: msg.time
  },
  {
    selector: "CallExpression[callee.object.name='performance'][callee.property.name='now']",
    message: msg.time
  },
  { selector: "MemberExpression[object.name='process'][property.name='hrtime']", message: msg.time }
]

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'test-results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }
      ],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }]
    }
  },
  // Everywhere in src: no electron (main/preload lift this below), no system time (clock.ts lifts it).
  {
    files: ['src/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': ['error', { paths: [electronBan] }],
      'no-restricted-syntax': ['error', ...timeSelectors]
    }
  },
  {
    files: ['src/main/**/*.ts', 'src/preload/**/*.ts'],
    rules: { 'no-restricted-imports': 'off' }
  },
  {
    files: ['src/runtime/clock.ts'],
    rules: { 'no-restricted-syntax': 'off' }
  },
  {
    files: ['src/shared/**/*.ts'],
    languageOptions: { globals: {} },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [electronBan, ...nodeBuiltinPaths(msg.shared)],
          patterns: [
            { group: ['node:*'], message: msg.shared },
            { regex: '^\\.\\./', message: msg.shared },
            {
              group: [
                'react',
                'react-dom',
                'react-dom/*',
                'zustand',
                'pino',
                'better-sqlite3',
                'fastify',
                'execa'
              ],
              message: msg.shared
            }
          ]
        }
      ]
    }
  },
  {
    files: ['src/playout/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [electronBan],
          patterns: [
            { regex: '(^|/)(runtime|schedule|store|server|library)(/|$)', message: msg.producer }
          ]
        }
      ]
    }
  },
  // The ProgramDirector and ChannelManager (and anything else outside the room) reach the playout
  // engine only through its public surface.
  {
    files: ['src/**/*.ts'],
    ignores: ['src/playout/**', 'src/main/**', 'src/preload/**', 'src/shared/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [electronBan],
          patterns: [producerSurface]
        }
      ]
    }
  },
  // Imports flow downhill: nothing below the HTTP room reaches up into it.
  {
    files: [
      'src/runtime/**/*.ts',
      'src/media/**/*.ts',
      'src/store/**/*.ts',
      'src/outputs/**/*.ts',
      'src/library/**/*.ts',
      'src/ops/**/*.ts',
      'src/station-facade.ts'
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [electronBan], patterns: [producerSurface, serverBan] }
      ]
    }
  },
  // The HTTP room's routes are thin adapters over the contract.
  {
    files: ['src/server/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [electronBan],
          patterns: [
            producerSurface,
            { regex: '(^|/)(program-director|station-facade)$', message: msg.routes }
          ]
        }
      ]
    }
  },
  // The schedule is upstream of the runtime: one-way.
  {
    files: ['src/schedule/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [electronBan],
          patterns: [
            producerSurface,
            { regex: '(^|/)runtime(/|$)', message: msg.schedule },
            serverBan
          ]
        }
      ]
    }
  },
  {
    files: [
      'src/runtime/**/*.ts',
      'src/schedule/**/*.ts',
      'src/library/**/*.ts',
      'src/ops/**/*.ts'
    ],
    ignores: ['src/runtime/clock.ts'],
    rules: {
      'no-restricted-globals': [
        'error',
        { name: 'setTimeout', message: msg.timers },
        { name: 'setInterval', message: msg.timers }
      ]
    }
  },
  {
    files: ['src/renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [electronBan, ...nodeBuiltinPaths(msg.renderer)],
          patterns: [
            { group: ['node:*'], message: msg.renderer },
            {
              regex: `^(\\.\\./)+(${[...ENGINE_DIRS, 'main', 'preload'].join('|')})(/|$)|^(\\.\\./)+(station|cli)$`,
              message: msg.renderer
            }
          ]
        }
      ]
    }
  }
)
