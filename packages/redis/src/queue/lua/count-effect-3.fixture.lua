--[[
  Test fixture (queue-worker.fixture.ts): the crash test's side effect, guarded by the job's
  idempotency key so it happens once per key however often the job runs; the run count rises always.

  KEYS[1] prefix of the per-key guard (SET NX)
  KEYS[2] effects  counter of guarded effects
  KEYS[3] runs     counter of every run

  ARGV[1] idempotency key ('' = none: no effect)

  Returns nothing.
]]
redis.call('INCR', KEYS[3])
if ARGV[1] ~= '' and redis.call('SET', KEYS[1] .. ARGV[1], '1', 'NX') then redis.call('INCR', KEYS[2]) end
