// Package platform is what fix401 can see and do on the person's own
// machine: the DNS cache and how to flush it, the hosts file, installed
// browsers and how to open a URL in a private window or a throwaway profile,
// proxies, the firewall, VPN interfaces, the clipboard, and running an action
// with admin rights.
//
// Every decision is made over an Env: the files, environment variables,
// programs on PATH and command outputs of one machine, with GOOS naming the
// operating system. Real returns the Env of the machine fix401 runs on;
// tests build one from recorded facts, so the logic for Windows, macOS and
// Linux is tested on any machine.
//
// Actions are argv vectors, never shell text. An action that changes the
// system is shown to the person and run only after they agree; the package
// itself never asks, never reads a password and never runs anything as
// administrator on its own: see Privilege, SudoPrompt and Elevate.
//
// Output of system tools is localized on some systems, so results are judged
// by exit codes, registry values and structured output. Commands run by Env
// on Unix get LC_ALL=C, so that the little text that must be read (sudo's
// refusal, for one) is in English.
package platform
