// Bundles src/index.ts into dist/index.js, the file the runner executes, and src/cli.ts into
// dist/cli.js, the command line.
// With --check it builds to memory and fails when the committed dist/ differs.
import { build } from 'esbuild'
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs'

const check = process.argv.includes('--check')
// The action's entry point and the command line; each bundle stands alone.
const entries = { 'dist/index.js': 'src/index.ts', 'dist/cli.js': 'src/cli.ts' }

let stale = false
for (const [outfile, entry] of Object.entries(entries)) {
  const text = await bundle(entry, outfile)
  if (check) {
    let committed = ''
    try {
      committed = readFileSync(outfile, 'utf8')
    } catch {
      // a missing file is a difference like any other
    }
    if (committed !== text) {
      console.error(`${outfile} differs from a fresh build: run "npm run build" and commit dist/.`)
      stale = true
    } else {
      console.log(`${outfile} matches a fresh build.`)
    }
  } else {
    mkdirSync('dist', { recursive: true })
    writeFileSync(outfile, text)
    console.log(`wrote ${outfile} (${(text.length / 1024).toFixed(0)} KiB)`)
  }
}
if (stale) process.exit(1)

async function bundle(entry, outfile) {
  const result = await build({
    entryPoints: [entry],
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

  return result.outputFiles[0].text
}
