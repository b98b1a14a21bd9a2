// Fixture service: fails at start with a configuration error, as a service with a broken
// config file does; its log line is one of the runbook's root-cause patterns.
console.error('Failed to parse config /etc/fixture/config.yml: unexpected token at line 3');
process.exit(1);
