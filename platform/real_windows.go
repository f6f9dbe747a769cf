//go:build windows

package platform

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/registry"
)

func realOS(e *Env) {
	e.IsAdmin = func() bool { return windows.GetCurrentProcessToken().IsElevated() }
	e.Registry = winRegistry{}
	e.Elevate = elevate
}

func prepareCmd(cmd *exec.Cmd) {}

// detach starts the program without a console of its own and outside
// fix401's process group, so ctrl+c in fix401's console does not reach it.
func detach(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{
		CreationFlags: windows.CREATE_NEW_PROCESS_GROUP | windows.DETACHED_PROCESS,
	}
}

// adapterDescriptions maps interface indexes to adapter descriptions, which
// name the driver ("Wintun Userspace Tunnel"): Windows interface names are
// friendly names ("Ethernet 2") and say nothing about a VPN.
func adapterDescriptions() map[int]string {
	size := uint32(15000)
	for range 3 {
		buf := make([]byte, size)
		first := (*windows.IpAdapterAddresses)(unsafe.Pointer(&buf[0]))
		err := windows.GetAdaptersAddresses(windows.AF_UNSPEC, windows.GAA_FLAG_SKIP_ANYCAST|windows.GAA_FLAG_SKIP_MULTICAST|windows.GAA_FLAG_SKIP_DNS_SERVER, 0, first, &size)
		if errors.Is(err, windows.ERROR_BUFFER_OVERFLOW) {
			continue
		}
		if err != nil {
			return nil
		}
		out := map[int]string{}
		for aa := first; aa != nil; aa = aa.Next {
			index := aa.IfIndex
			if index == 0 {
				index = aa.Ipv6IfIndex
			}
			out[int(index)] = windows.UTF16PtrToString(aa.Description)
		}
		return out
	}
	return nil
}

// winRegistry is the real Registry.
type winRegistry struct{}

func openKey(path string) (registry.Key, error) {
	root, rest, _ := strings.Cut(path, `\`)
	var k registry.Key
	switch strings.ToUpper(root) {
	case "HKCU", "HKEY_CURRENT_USER":
		k = registry.CURRENT_USER
	case "HKLM", "HKEY_LOCAL_MACHINE":
		k = registry.LOCAL_MACHINE
	case "HKCR", "HKEY_CLASSES_ROOT":
		k = registry.CLASSES_ROOT
	default:
		return 0, fmt.Errorf("platform: unknown registry root %q", root)
	}
	return registry.OpenKey(k, rest, registry.QUERY_VALUE|registry.ENUMERATE_SUB_KEYS)
}

func (winRegistry) String(key, name string) (string, error) {
	k, err := openKey(key)
	if err != nil {
		return "", err
	}
	defer k.Close()
	v, typ, err := k.GetStringValue(name)
	if err != nil {
		return "", err
	}
	if typ == registry.EXPAND_SZ {
		if x, err := registry.ExpandString(v); err == nil {
			v = x
		}
	}
	return v, nil
}

func (winRegistry) Integer(key, name string) (uint64, error) {
	k, err := openKey(key)
	if err != nil {
		return 0, err
	}
	defer k.Close()
	v, _, err := k.GetIntegerValue(name)
	return v, err
}

func (winRegistry) Binary(key, name string) ([]byte, error) {
	k, err := openKey(key)
	if err != nil {
		return nil, err
	}
	defer k.Close()
	v, _, err := k.GetBinaryValue(name)
	return v, err
}

func (winRegistry) Subkeys(key string) ([]string, error) {
	k, err := openKey(key)
	if err != nil {
		return nil, err
	}
	defer k.Close()
	return k.ReadSubKeyNames(0)
}

// ShellExecuteExW is not wrapped by x/sys/windows.
var procShellExecuteExW = windows.NewLazySystemDLL("shell32.dll").NewProc("ShellExecuteExW")

const (
	seeMaskNoCloseProcess = 0x00000040
	seeMaskNoAsync        = 0x00000100
	seeMaskFlagNoUI       = 0x00000400
)

// shellExecuteInfo is SHELLEXECUTEINFOW; Go's field alignment matches C's.
type shellExecuteInfo struct {
	cbSize         uint32
	fMask          uint32
	hwnd           windows.Handle
	lpVerb         *uint16
	lpFile         *uint16
	lpParameters   *uint16
	lpDirectory    *uint16
	nShow          int32
	hInstApp       windows.Handle
	lpIDList       uintptr
	lpClass        *uint16
	hkeyClass      windows.Handle
	dwHotKey       uint32
	hIconOrMonitor windows.Handle
	hProcess       windows.Handle
}

// elevate runs argv through ShellExecuteExW with the "runas" verb, which
// shows the UAC prompt, and waits for the elevated process. The elevated
// process gets a console of its own, so its output cannot be read: only its
// exit code.
func elevate(ctx context.Context, argv []string, timeout time.Duration) (int, error) {
	if len(argv) == 0 {
		return -1, errors.New("platform: empty command")
	}
	file, err := windows.UTF16PtrFromString(argv[0])
	if err != nil {
		return -1, err
	}
	params := make([]string, 0, len(argv)-1)
	for _, a := range argv[1:] {
		params = append(params, windows.EscapeArg(a))
	}
	lpParams, err := windows.UTF16PtrFromString(strings.Join(params, " "))
	if err != nil {
		return -1, err
	}
	verb, _ := windows.UTF16PtrFromString("runas")
	info := shellExecuteInfo{
		fMask:        seeMaskNoCloseProcess | seeMaskNoAsync | seeMaskFlagNoUI,
		lpVerb:       verb,
		lpFile:       file,
		lpParameters: lpParams,
		nShow:        windows.SW_HIDE,
	}
	info.cbSize = uint32(unsafe.Sizeof(info))
	r, _, callErr := procShellExecuteExW.Call(uintptr(unsafe.Pointer(&info)))
	if r == 0 {
		if errors.Is(callErr, windows.ERROR_CANCELLED) {
			return -1, ErrCancelled
		}
		return -1, fmt.Errorf("platform: ShellExecuteEx: %w", callErr)
	}
	if info.hProcess == 0 {
		return -1, errors.New("platform: the elevated program gave no process handle")
	}
	defer windows.CloseHandle(info.hProcess)
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	deadline := time.Now().Add(timeout)
	for {
		ev, err := windows.WaitForSingleObject(info.hProcess, 200)
		if err != nil {
			return -1, fmt.Errorf("platform: waiting for the elevated program: %w", err)
		}
		if ev == uint32(windows.WAIT_OBJECT_0) {
			break
		}
		if ctx.Err() != nil {
			return -1, ctx.Err()
		}
		if time.Now().After(deadline) {
			return -1, context.DeadlineExceeded
		}
	}
	var code uint32
	if err := windows.GetExitCodeProcess(info.hProcess, &code); err != nil {
		return -1, fmt.Errorf("platform: exit code of the elevated program: %w", err)
	}
	return int(code), nil
}
