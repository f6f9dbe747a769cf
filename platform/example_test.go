package platform_test

import (
	"context"
	"fmt"
	"os"

	"github.com/fix401/fix401/platform"
)

// Step 5: find what caches DNS and flush exactly that, with consent.
func ExampleDetectDNS() {
	ctx := context.Background()
	env := platform.Real()
	report := platform.DetectDNS(ctx, env)
	if len(report.Caches) == 0 {
		fmt.Println(report.Note) // nothing caches: say so, claim nothing
		return
	}
	for _, a := range report.Actions() {
		via := platform.ViaDirect
		if a.Admin {
			via = platform.CheckPrivilege(ctx, env).Via() // sudo or UAC; "" means no way
		}
		fmt.Println("will run:", a.CommandVia(via)) // show it, ask, then:
		out := platform.Do(ctx, env, a, via)
		fmt.Println(out.Status, out.Reason)
	}
}

// Steps 6 and 7: open the URL in a throwaway profile of the person's pick.
func ExamplePlanLaunch() {
	env := platform.Real()
	browsers := platform.DetectBrowsers(context.Background(), env)
	b, ok := platform.DefaultBrowser(browsers)
	if !ok {
		return
	}
	l, err := platform.PlanLaunch(env, b, platform.ModeClean, "https://intranet.example.com/login")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(l.ProfileDir) // when the wizard ends
	if l.Argv == nil {
		fmt.Println(l.Manual) // Safari: tell the person, copy l.Copy
		return
	}
	if err := platform.Open(env, l); err != nil {
		fmt.Println(err)
	}
}

// Step 8: does a proxy apply to the URL? Then re-test once without it.
func ExampleEnvProxy_ProxyFor() {
	cfg := platform.EnvProxy{HTTPS: "proxy.corp:3128", HTTPSVar: "HTTPS_PROXY", NoProxy: ".internal.example"}
	for _, u := range []string{"https://api.example.com/", "https://wiki.internal.example/"} {
		proxy, from, _ := cfg.ProxyFor(u)
		if proxy == nil {
			fmt.Println(u, "goes direct")
			continue
		}
		fmt.Println(u, "goes through", proxy, "from", from)
	}
	// Output:
	// https://api.example.com/ goes through http://proxy.corp:3128 from HTTPS_PROXY
	// https://wiki.internal.example/ goes direct
}
