package main

import (
	"github.com/fix401/fix401/steps"
)

// withPlatform lets the wizard's steps see and act on this machine (DNS
// cache, browsers, proxies, firewall, VPN): detection runs in the
// background when a step is shown, and every change asks first. The
// returned function removes the throwaway browser profiles made on the
// way; call it when the wizard ends.
func withPlatform(env steps.Env) (steps.Env, func()) {
	pf := steps.NewPlatform(newPlatformEnv())
	env.Detect = pf.Detect
	return env, func() { _ = pf.Cleanup() }
}
