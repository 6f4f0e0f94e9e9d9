# Sourced (it must stay non-executable) by the mysql image's entrypoint on the first start, with an empty data
# volume, after it created MYSQL_USER: the CDC worker connects as that user and reads the binlog like a replica.
docker_process_sql --database=mysql <<<"GRANT REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO '${MYSQL_USER}'@'%'"
