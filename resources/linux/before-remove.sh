#!/bin/bash
# The deb's prerm: a station running as a service is stopped (every producer ended) and disabled
# before its program files go; an upgrade leaves it running (the postinst restarts it).
if [ "$1" = remove ] && hash systemctl 2>/dev/null && [ -d /run/systemd/system ]; then
    systemctl disable --now retrovue.service || true
fi
