// Writes every ```yaml block of README.md as a workflow file, so the workflow linters see exactly
// what a reader copies: a complete workflow as it is, a list of steps inside a minimal workflow.
// Usage: node scripts/readme-workflows.mjs <out-dir> [--local]
//   --local rewrites `<owner>/mongo-restore-guard@<ref>` to `./`, so that actionlint checks each
//   example's inputs against this repository's action.yml.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

const [outDir, flag] = process.argv.slice(2)
if (!outDir) {
  console.error('usage: node scripts/readme-workflows.mjs <out-dir> [--local]')
  process.exit(2)
}

const WRAPPER = ['on: workflow_dispatch', 'permissions: {}', 'jobs:', '  example:']
const THIS_ACTION = /[\w<>.-]+\/mongo-restore-guard@\S+/g

/** Each ```yaml block with the README line its first line is on. */
function yamlBlocks(markdown) {
  const blocks = []
  let current
  markdown.split('\n').forEach((line, i) => {
    if (current === undefined && /^```ya?ml\s*$/.test(line)) current = { line: i + 2, lines: [] }
    else if (current !== undefined && /^```\s*$/.test(line)) {
      blocks.push({ line: current.line, text: current.lines.join('\n') + '\n' })
      current = undefined
    } else if (current !== undefined) current.lines.push(line)
  })
  return blocks
}

/** The block as a workflow file, or an error saying why it is neither kind. */
function asWorkflow(block) {
  if (/^jobs:/m.test(block.text)) return block.text
  if (/^- /.test(block.text.trimStart())) {
    // Steps need a runner; fragments in the README omit it because every example runs on one.
    const steps = block.text.replace(/^(?=.)/gm, '      ')
    return [...WRAPPER, '    runs-on: ubuntu-latest', '    steps:', steps].join('\n')
  }
  throw new Error(
    `README.md line ${block.line}: a yaml block that is neither a workflow (jobs:) nor a list of steps (- …)`
  )
}

const blocks = yamlBlocks(readFileSync('README.md', 'utf8'))
rmSync(outDir, { recursive: true, force: true })
mkdirSync(outDir, { recursive: true })
try {
  for (const block of blocks) {
    let text = asWorkflow(block)
    if (flag === '--local') text = text.replace(THIS_ACTION, './')
    writeFileSync(join(outDir, `readme-line-${block.line}.yml`), text)
  }
} catch (error) {
  console.error(error.message)
  process.exit(1)
}
console.log(`${blocks.length} yaml blocks from README.md -> ${outDir}`)
