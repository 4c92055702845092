--[[
  PUBLISH through a script whose only key is the channel: on a cluster, node-redis sends a bare
  PUBLISH (a keyless command) to a random node, and messages relayed by different nodes can
  overtake each other. Keyed, every message of a channel leaves from the node owning its slot, so
  subscribers on any node receive them in publish order. Still one round trip.

  KEYS[1] the channel

  ARGV[1] the message

  Returns the number of subscribers that received it (on that node).
]]
return redis.call('PUBLISH', KEYS[1], ARGV[1])
