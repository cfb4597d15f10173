"""What the benchmarks and the load tests share: a scratch database, a gunicorn server on a free
loopback port, seeded study data and the JSON a tablet sends."""
