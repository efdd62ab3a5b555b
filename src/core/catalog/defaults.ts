// The 32 commands the catalog starts with: read-only looks at the host (system, memory, disks, processes, network)
// and at the active root's repository. Inside the bubblewrap sandbox a command sees the host's kernel counters
// (/proc/meminfo, /proc/loadavg, disks) but its own process namespace: process listings show the sandbox's processes
// only (mode none: the host's). Commands of the "network" category run with the host's network namespace (without it
// `ip addr` would see only the sandbox's loopback), so they ask for approval first.
import type { CommandParameter, RiskLevel } from "./schema";

export interface DefaultCommand {
  id: string;
  name: string;
  description: string;
  argv: string[];
  category: string;
  risk_level?: RiskLevel;
  requires_approval?: boolean;
  parameters?: Record<string, CommandParameter>;
}

/** Bumped when the list gains commands a running installation should receive (seeded once per version). */
export const DEFAULTS_VERSION = 1;

// git without repository hooks or helpers, as the checkpoints run it
const GIT = ["git", "-c", "core.hooksPath=/dev/null", "-c", "core.fsmonitor=false"];

export const DEFAULT_COMMANDS: DefaultCommand[] = [
  // system
  { id: "default-uptime", name: "Uptime", description: "How long the system has been running, users and load averages", argv: ["uptime"], category: "system" },
  { id: "default-kernel-version", name: "Kernel Version", description: "Kernel name, release, version and machine architecture", argv: ["uname", "-a"], category: "system" },
  { id: "default-hostname", name: "Hostname", description: "The host's name", argv: ["hostname"], category: "system" },
  { id: "default-os-release", name: "OS Release", description: "Operating system name and version", argv: ["cat", "/etc/os-release"], category: "system" },
  { id: "default-date", name: "Current Time", description: "The system clock in UTC", argv: ["date", "-u"], category: "system" },
  { id: "default-logged-in-users", name: "Logged-in Users", description: "Who is logged in", argv: ["who"], category: "system" },
  { id: "default-user-activity", name: "User Activity", description: "Logged-in users and what they are running", argv: ["w"], category: "system" },
  { id: "default-current-user", name: "Current User", description: "The user and groups commands run as", argv: ["id"], category: "system" },
  { id: "default-cpu-count", name: "CPU Count", description: "Number of processing units available", argv: ["nproc"], category: "system" },
  { id: "default-cpu-info", name: "CPU Info", description: "CPU architecture, model, cores and caches", argv: ["lscpu"], category: "system" },
  // memory
  { id: "default-memory-usage", name: "Memory Usage", description: "Used and free memory and swap in MiB", argv: ["free", "-m"], category: "memory" },
  { id: "default-memory-details", name: "Memory Details", description: "The kernel's detailed memory counters", argv: ["cat", "/proc/meminfo"], category: "memory" },
  { id: "default-swap-devices", name: "Swap Devices", description: "Swap areas in use and their size", argv: ["cat", "/proc/swaps"], category: "memory" },
  { id: "default-vm-stats", name: "Virtual Memory Statistics", description: "Memory, paging and CPU event counters", argv: ["vmstat", "-s"], category: "memory" },
  // disks and files
  { id: "default-disk-free", name: "Disk Free Space", description: "Show available disk space on all mounts", argv: ["df", "-h"], category: "filesystem" },
  { id: "default-disk-inodes", name: "Disk Inodes", description: "Inode use on all mounts", argv: ["df", "-i"], category: "filesystem" },
  { id: "default-block-devices", name: "Block Devices", description: "Disks and partitions as a tree", argv: ["lsblk"], category: "filesystem" },
  { id: "default-mounts", name: "Mounted Filesystems", description: "Mounted filesystems as a tree", argv: ["findmnt"], category: "filesystem" },
  { id: "default-root-size", name: "Workspace Size", description: "Total size of the active root", argv: ["du", "-sh", "."], category: "filesystem" },
  { id: "default-root-listing", name: "Workspace Listing", description: "Files of the active root with sizes and permissions", argv: ["ls", "-la"], category: "filesystem" },
  {
    id: "default-large-files",
    name: "Large Files",
    description: "Files over 10 MB in the active root (two levels deep)",
    argv: ["find", ".", "-maxdepth", "2", "-xdev", "-type", "f", "-size", "+10M"],
    category: "filesystem",
  },
  // processes
  { id: "default-top-cpu", name: "Top CPU Processes", description: "Processes by CPU use (inside the sandbox: its own processes)", argv: ["ps", "aux", "--sort=-%cpu"], category: "processes" },
  { id: "default-top-memory", name: "Top Memory Processes", description: "Processes by memory use (inside the sandbox: its own processes)", argv: ["ps", "aux", "--sort=-%mem"], category: "processes" },
  { id: "default-process-tree", name: "Process Tree", description: "Processes as a parent/child tree (inside the sandbox: its own processes)", argv: ["ps", "axjf"], category: "processes" },
  { id: "default-load-average", name: "Load Average", description: "Load averages and running/total tasks of the whole host", argv: ["cat", "/proc/loadavg"], category: "processes" },
  // network: the host's network namespace, after approval
  { id: "default-network-interfaces", name: "Network Interfaces", description: "Network interfaces and their addresses", argv: ["ip", "addr"], category: "network", requires_approval: true },
  { id: "default-routes", name: "Routing Table", description: "The IP routing table", argv: ["ip", "route"], category: "network", requires_approval: true },
  { id: "default-listening-ports", name: "Listening Ports", description: "TCP and UDP sockets listening for connections", argv: ["ss", "-tuln"], category: "network", requires_approval: true },
  { id: "default-socket-summary", name: "Socket Summary", description: "Counts of sockets by protocol and state", argv: ["ss", "-s"], category: "network", requires_approval: true },
  {
    id: "default-resolve-host",
    name: "Resolve Host",
    description: "Look up a host name's addresses",
    argv: ["getent", "ahosts", "{{host}}"],
    category: "network",
    requires_approval: true,
    parameters: { host: { type: "string", description: "a host name, e.g. example.com", pattern: "[A-Za-z0-9][A-Za-z0-9.-]{0,252}", maxLength: 253 } },
  },
  // the active root's repository
  { id: "default-git-status", name: "Git Status", description: "Branch and changed files of the active root's repository", argv: [...GIT, "status", "--short", "--branch"], category: "git" },
  { id: "default-git-log", name: "Git Log", description: "The last 20 commits of the active root's repository", argv: [...GIT, "log", "--oneline", "-n", "20"], category: "git" },
];
