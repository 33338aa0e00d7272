/** The `--help` text. */
export const USAGE = `zcluster: Zeek's cluster framework as one binary per host (ZeroMQ backend)

Usage:
  zcluster [run] [--node NAME]     run one node (NAME from --node or CLUSTER_NODE)
  zcluster start                   run every node of the layout whose ip is on this host
  zcluster check                   validate the layout (exit 0, or 2 with every problem)
  zcluster status [NODE...]        per node: type, host, up/down, uptime, events/s, log writes, drops
  zcluster print NODE OPTION       an option's value on a running node (e.g. retryIntervalMs)
  zcluster peerstatus [NODE...]    the peers each node sees
  zcluster netstats [NODE...]      each node's message counters
  zcluster stop [NODE...]          graceful shutdown (workers, proxies, loggers, then the manager)
  zcluster systemd --binary PATH --out DIR [NODE...]   write systemd units and zcluster.target
  zcluster systemd-generator NORMAL [EARLY LATE]       the same at boot, as a systemd generator,
                                   from the arguments in /etc/zcluster/systemd.json
  zcluster keygen PREFIX           write a CURVE key pair: PREFIX.key (secret, 0600) and PREFIX.pub
  zcluster --help | --version

Options:
  --layout FILE.json       cluster layout (else CLUSTER_LAYOUT, else the embedded default)
  --node NAME              node to run (else CLUSTER_NODE)
  --log-dir DIR            where loggers write logs (default ./logs)
  --log-format ascii|json  log file format (default ascii)
  --rotate DURATION        log rotation interval, e.g. 10s, 1h (default 1h on loggers; 0 = off)
  --log-compress none|gzip rotated files as path.<open>-<close>.log.gz (level: --set logCompressLevel=N)
  --format bin|json        event serializer: broker-bin-v1 (default) or broker-json-v1
  --metrics-address ADDR   address the metrics endpoint binds (default: the node's ip)
  --metrics-advertise ADDR address listed in the manager's /services.json
  --proxy-xpub ENDPOINT    the central proxy's XPUB (default: the manager's proxyXpub in the
                           layout, else tcp://<manager ip>:5555)
  --proxy-xsub ENDPOINT    the central proxy's XSUB (default: proxyXsub, else :5556)
  --websocket [ADDR:]PORT  serve Zeek's WebSocket API (/v1/messages/json), e.g. 27759; start and
                           systemd give it to the manager only (others: websocketPort in the layout)
  --websocket-cert FILE    TLS certificate (PEM) for the WebSocket API, with --websocket-key
  --websocket-key FILE     TLS private key (PEM)
  --websocket-undeclared-events refuse|accept
                           WebSocket clients' events no site code declared: refuse them as
                           Zeek does (default) or publish them unchecked
  --site demo              run the built-in demo site (what deno task start shows)
  --exit-with-parent       stop gracefully when standard input closes (start passes it to its
                           nodes, so they end with it even after a kill -9)
  --set NAME=VALUE         set any option (JSON value), e.g. --set enableRoundRobinLogging=false
  --curve-key FILE         this node's CURVE secret key: turns CURVE on (see README, Security)
  --curve-server-pub FILE  the proxy's CURVE public key (nodes that connect)
  --curve-server-key FILE  the CURVE server secret key (manager/proxy and loggers)
  --curve-allow FILE       allowed node public keys, one per line (manager/proxy and loggers)
  --no-heartbeat           turn ZMTP heartbeats off (Zeek's behaviour)
  --binary PATH            systemd: the absolute path of the program the units run
  --out DIR                systemd: where the unit files are written
  --working-dir DIR        systemd: the units' WorkingDirectory (default: the current directory);
                           relative --log-dir and store paths point there
  --user USER              systemd: the units' User (default root)
  --timeout DURATION       control commands: how long to wait for answers (default 10s)
  --sample DURATION        status: the window rates are measured over (default 1s)
  --log-level LEVEL        debug, info, warn, error (default info)

Environment:
  CLUSTER_NODE, CLUSTER_LAYOUT, ZEEK_DEFAULT_CONNECT_RETRY (seconds),
  ZCLUSTER_SYSTEMD_CONFIG (the generator's arguments file instead of /etc/zcluster/systemd.json)

Exit codes: 0 success, 1 runtime failure, 2 bad layout, flag or node name.
`;
