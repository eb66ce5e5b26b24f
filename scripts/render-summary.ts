// Renders a job summary (Markdown and HTML, as GitHub takes it) to a PNG the way github.com shows
// it: marked for the Markdown, GitHub's own stylesheet (github-markdown-css), headless Chromium
// for the pixels, then the blank space below the content trimmed.
//   node --import tsx scripts/render-summary.ts <summary-file> <out.png> [width]
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { marked } from 'marked'
import { PNG } from 'pngjs'

const require = createRequire(import.meta.url)
const [input, output, widthText] = process.argv.slice(2)
if (!input || !output) {
  console.error(
    'Usage: node --import tsx scripts/render-summary.ts <summary-file> <out.png> [width]'
  )
  process.exit(2)
}
const width = Number(widthText ?? 1012)
const css = readFileSync(require.resolve('github-markdown-css/github-markdown-light.css'), 'utf8')
const body = await marked.parse(readFileSync(input, 'utf8'), { gfm: true })
// GitHub's summary panel: the markdown-body class with its padding, on a white page.
const html = `<!doctype html><html><head><meta charset="utf-8"><style>${css}
body { margin: 0; background: #fff; }
.markdown-body { box-sizing: border-box; max-width: ${width}px; padding: 24px 32px; }
</style></head><body><article class="markdown-body">${body}</article></body></html>`

const browser = ['chromium', 'chromium-browser', 'google-chrome'].find((bin) => {
  try {
    execFileSync('which', [bin], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
})
if (!browser) {
  console.error('No chromium on PATH: apt-get install chromium')
  process.exit(1)
}
const dir = mkdtempSync(join(tmpdir(), 'render-summary-'))
try {
  const page = join(dir, 'summary.html')
  const shot = join(dir, 'shot.png')
  writeFileSync(page, html)
  // Tall enough for any summary; the blank rows below the content are cut afterwards.
  execFileSync(
    browser,
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--hide-scrollbars',
      `--user-data-dir=${join(dir, 'profile')}`,
      `--window-size=${width},6000`,
      `--screenshot=${shot}`,
      `file://${page}`
    ],
    { stdio: 'ignore', timeout: 60_000 }
  )
  writeFileSync(resolve(output), PNG.sync.write(trimBottom(PNG.sync.read(readFileSync(shot)))))
  console.log(`wrote ${output}`)
} finally {
  rmSync(dir, { recursive: true, force: true })
}

/** Cuts the white rows below the last row that has any other colour, keeping a margin. */
function trimBottom(png: PNG, margin = 24): PNG {
  let last = 0
  for (let y = 0; y < png.height; y++) {
    for (let x = 0; x < png.width; x++) {
      const i = (y * png.width + x) * 4
      if (png.data[i]! < 250 || png.data[i + 1]! < 250 || png.data[i + 2]! < 250) {
        last = y
        break
      }
    }
  }
  const height = Math.min(png.height, last + margin)
  const out = new PNG({ width: png.width, height })
  png.data.copy(out.data, 0, 0, height * png.width * 4)
  return out
}
