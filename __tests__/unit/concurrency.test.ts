import assert from 'node:assert/strict'
import { test } from 'node:test'
import { forEachBounded } from '../../src/concurrency.ts'

const tick = () => new Promise((resolve) => setTimeout(resolve, 5))

test('at most `limit` at once, results in item order', async () => {
  let running = 0
  let most = 0
  const results = await forEachBounded([5, 1, 4, 2, 3], 2, async (n) => {
    running++
    most = Math.max(most, running)
    for (let i = 0; i < n; i++) await tick()
    running--
    return n * 10
  })
  assert.deepEqual(results, [50, 10, 40, 20, 30])
  assert.equal(most, 2)
})

test('after a failure nothing new starts, the running ones finish, the first failure is thrown', async () => {
  const started: number[] = []
  const finished: number[] = []
  await assert.rejects(
    forEachBounded([1, 2, 3, 4, 5], 2, async (n) => {
      started.push(n)
      await tick()
      if (n === 1) throw new Error('first')
      await tick()
      finished.push(n)
    }),
    /first/
  )
  assert.deepEqual(started, [1, 2])
  assert.deepEqual(finished, [2])
})
