#!/usr/bin/env bash
# What the machine's own services look like, printed so that two readings can be compared: the
# local stack must leave them as they were (.ci/run reads this before and after the test command).
# The machine's MariaDB (its settings files, its process, its accounts and databases) and Redis
# (its process and key count), where there are any; nothing here changes anything.
set -uo pipefail
echo "== /etc/mysql"
if [ -d /etc/mysql ]; then find /etc/mysql -type f -print0 | sort -z | xargs -0 -r sha256sum; fi
echo "== MariaDB process"
for f in /run/mysqld/mysqld.pid /var/run/mysqld/mysqld.pid; do
  [ -s "$f" ] && { pid=$(cat "$f"); echo "pid $pid since $(ps -o lstart= -p "$pid" 2>/dev/null)"; break; }
done
echo "== MariaDB accounts and databases"
mysql --no-defaults --socket=/run/mysqld/mysqld.sock -u root -N -e \
  "SELECT user, host, plugin, authentication_string FROM mysql.user ORDER BY user, host;
   SELECT CONCAT(user, '@', host, ' ', db) FROM mysql.db ORDER BY 1; SHOW DATABASES;
   SELECT @@ssl_cert, @@port" 2>/dev/null || echo "(not readable as root over the socket)"
echo "== Redis on 6379"
redis-cli -h 127.0.0.1 -p 6379 info server 2>/dev/null | grep -E '^(run_id|tcp_port|config_file):' || echo "(none)"
redis-cli -h 127.0.0.1 -p 6379 dbsize 2>/dev/null || true
echo "== /etc/booking-local-tls"
ls -d /etc/booking-local-tls 2>/dev/null || echo "(none)"
