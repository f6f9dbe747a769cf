package platform

import (
	"context"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// OSInfo names the operating system and its version.
type OSInfo struct {
	GOOS string `json:"goos"`
	Arch string `json:"arch"`
	// Name is what the person would call it ("Ubuntu 24.04.1 LTS",
	// "macOS 14.5", "Windows 11 Pro 23H2").
	Name string `json:"name"`
	// Version is the number the platform tables are keyed on ("24.04",
	// "14.5", "10.0.22631").
	Version string `json:"version"`
	// Kernel is the Linux kernel release.
	Kernel string `json:"kernel,omitempty"`
}

// DetectOS reads the OS name and version: /etc/os-release on Linux,
// sw_vers on macOS, the registry on Windows.
func DetectOS(ctx context.Context, env *Env) OSInfo {
	info := OSInfo{GOOS: env.GOOS, Arch: runtime.GOARCH}
	switch env.goos() {
	case "darwin":
		res := env.run(ctx, Cmd{Argv: []string{"sw_vers", "-productVersion"}, Timeout: 5 * time.Second})
		info.Version = strings.TrimSpace(res.Stdout)
		info.Name = "macOS"
		if v := macVersion(info.Version); v.major == 10 && v.minor < 12 {
			info.Name = "OS X"
		}
		if info.Version != "" {
			info.Name += " " + info.Version
		}
	case "windows":
		info.Name, info.Version = windowsVersion(env)
	default:
		if s, ok := env.readFile("/etc/os-release"); ok {
			kv := parseKeyValues(s)
			info.Name = kv["PRETTY_NAME"]
			if info.Name == "" {
				info.Name = strings.TrimSpace(kv["NAME"] + " " + kv["VERSION"])
			}
			info.Version = kv["VERSION_ID"]
		}
		if info.Name == "" {
			info.Name = "Linux"
		}
		if s, ok := env.readFile("/proc/sys/kernel/osrelease"); ok {
			info.Kernel = strings.TrimSpace(s)
		}
	}
	return info
}

// parseKeyValues reads KEY=value lines (os-release, shell-style quoting).
func parseKeyValues(s string) map[string]string {
	out := map[string]string{}
	for _, line := range strings.Split(s, "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), "=")
		if !ok || strings.HasPrefix(k, "#") {
			continue
		}
		v = strings.TrimSpace(v)
		if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
			v = v[1 : len(v)-1]
		}
		out[strings.TrimSpace(k)] = v
	}
	return out
}

const winCurrentVersion = `HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion`

func windowsVersion(env *Env) (name, version string) {
	if env.Registry == nil {
		return "Windows", ""
	}
	r := env.Registry
	product, _ := r.String(winCurrentVersion, "ProductName")
	display, _ := r.String(winCurrentVersion, "DisplayVersion")
	build, _ := r.String(winCurrentVersion, "CurrentBuildNumber")
	major, errMajor := r.Integer(winCurrentVersion, "CurrentMajorVersionNumber")
	minor, _ := r.Integer(winCurrentVersion, "CurrentMinorVersionNumber")
	if errMajor == nil {
		version = strconv.FormatUint(major, 10) + "." + strconv.FormatUint(minor, 10)
	} else if v, err := r.String(winCurrentVersion, "CurrentVersion"); err == nil {
		version = v
	}
	if build != "" {
		version += "." + build
	}
	// ProductName still says "Windows 10" on Windows 11; the build tells.
	if n, err := strconv.Atoi(build); err == nil && n >= 22000 {
		product = strings.Replace(product, "Windows 10", "Windows 11", 1)
	}
	if product == "" {
		product = "Windows"
	}
	name = product
	if display != "" {
		name += " " + display
	}
	return name, version
}

// macVer is a macOS version.
type macVer struct{ major, minor, patch int }

// macVersion parses "10.15.7" or "14.5"; an unparsable version is zero.
func macVersion(s string) macVer {
	var v macVer
	parts := strings.Split(strings.TrimSpace(s), ".")
	nums := []*int{&v.major, &v.minor, &v.patch}
	for i := 0; i < len(parts) && i < 3; i++ {
		n, err := strconv.Atoi(parts[i])
		if err != nil {
			break
		}
		*nums[i] = n
	}
	return v
}

func (v macVer) less(major, minor, patch int) bool {
	if v.major != major {
		return v.major < major
	}
	if v.minor != minor {
		return v.minor < minor
	}
	return v.patch < patch
}
