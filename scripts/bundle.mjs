// Bundles src/index.ts into dist/index.js, the file the runner executes.
// With --check it builds to memory and fails when the committed dist/ differs.
import { build } from 'esbuild'
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs'

const check = process.argv.includes('--check')
const outfile = 'dist/index.js'

const result = await build({
  entryPoints: ['src/index.ts'],
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  outfile,
  write: false,
  legalComments: 'none',
  // Bundled CommonJS dependencies (the driver) call require(); ESM has none.
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);"
  },
  // Optional native add-ons of the driver; it loads them lazily and works without them.
  external: [
    'kerberos',
    '@mongodb-js/zstd',
    '@aws-sdk/credential-providers',
    'gcp-metadata',
    'snappy',
    'socks',
    'aws4',
    'mongodb-client-encryption'
  ]
})

const text = result.outputFiles[0].text
if (check) {
  let committed = ''
  try {
    committed = readFileSync(outfile, 'utf8')
  } catch {
    // a missing dist/ is a difference like any other
  }
  if (committed !== text) {
    console.error(`${outfile} differs from a fresh build: run "npm run build" and commit dist/.`)
    process.exit(1)
  }
  console.log(`${outfile} matches a fresh build.`)
} else {
  mkdirSync('dist', { recursive: true })
  writeFileSync(outfile, text)
  console.log(`wrote ${outfile} (${(text.length / 1024).toFixed(0)} KiB)`)
}
