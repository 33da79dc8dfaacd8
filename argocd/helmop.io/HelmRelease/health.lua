-- Argo CD health check for helmop.io/HelmRelease (helmop's conditions: docs/api.md#conditions).
-- Argo CD hands the live object over as the global `obj`; the check returns {status = ..., message = ...}.
--   Suspended    spec.suspend is true: helmop leaves the release alone.
--   Progressing  helmop has not yet acted on the current generation, an install, upgrade or rollback runs
--                (Ready=Unknown), or helmop waits (a dependency, a lock) or retries a failure that is not the
--                release's own (Reconciling=True), e.g. a repository that is down.
--   Degraded     Stalled=True (retrying cannot help until the spec changes), or the release itself failed
--                for this generation (Released=False: Helm's install or upgrade failed; after a failed upgrade
--                the last good revision keeps serving), also while helmop retries it.
--   Healthy      Ready=True for the current generation.
local hs = {}

local function condition(conditionType)
  if obj.status == nil or obj.status.conditions == nil then
    return nil
  end
  for _, c in ipairs(obj.status.conditions) do
    if c.type == conditionType then
      return c
    end
  end
  return nil
end

-- A condition written for the generation Argo CD sees (conditions carry their own observedGeneration).
local function current(c)
  return c ~= nil and (c.observedGeneration == nil or obj.metadata.generation == nil
    or c.observedGeneration >= obj.metadata.generation)
end

local function describe(c)
  local text = c.reason or c.type
  if c.message ~= nil and c.message ~= "" then
    text = text .. ": " .. c.message
  end
  return text
end

if obj.spec ~= nil and obj.spec.suspend == true then
  hs.status = "Suspended"
  hs.message = "spec.suspend is true: helmop takes no action on this release until it is set to false"
  return hs
end

local generation = obj.metadata.generation
local observed = obj.status ~= nil and obj.status.observedGeneration or nil
local ready = condition("Ready")
if ready == nil or (observed ~= nil and generation ~= nil and observed < generation) or not current(ready) then
  hs.status = "Progressing"
  hs.message = "Waiting for helmop to act on generation " .. tostring(generation or "?")
  return hs
end

local stalled = condition("Stalled")
if current(stalled) and stalled.status == "True" then
  hs.status = "Degraded"
  hs.message = describe(stalled)
  return hs
end

if ready.status == "True" then
  hs.status = "Healthy"
  hs.message = describe(ready)
  return hs
end

-- Before Ready=Unknown: while helmop retries a failed install or upgrade of this generation, the release stays
-- Degraded (with Helm's error) instead of flapping between Degraded and Progressing at each attempt.
local released = condition("Released")
if current(released) and released.status == "False" then
  hs.status = "Degraded"
  hs.message = describe(released)
  return hs
end

if ready.status == "Unknown" then
  hs.status = "Progressing"
  hs.message = describe(ready)
  return hs
end

local reconciling = condition("Reconciling")
if current(reconciling) and reconciling.status == "True" then
  hs.status = "Progressing"
  hs.message = describe(ready)
  return hs
end

hs.status = "Degraded"
hs.message = describe(ready)
return hs
