#!/bin/bash
# The deb's postrm: electron-builder's own after-remove (app-builder-lib/templates/linux/
# after-remove.tpl, copied below unchanged) plus the headless service's user and data folder.
# A remove keeps the station's data (/var/lib/retrovue) and its user; only a purge deletes them.
if [ "$1" = purge ]; then
    rm -rf /var/lib/retrovue
    if getent passwd retrovue >/dev/null 2>&1; then
        deluser --system --quiet retrovue 2>/dev/null || userdel retrovue || true
    fi
fi
if hash systemctl 2>/dev/null && [ -d /run/systemd/system ]; then
    systemctl daemon-reload || true
fi

# Delete the link to the binary
# update-alternatives --remove <name> <path>: 'path' must be the registered alternative binary,
# not the generic symlink — see https://man7.org/linux/man-pages/man1/update-alternatives.1.html
if type update-alternatives >/dev/null 2>&1; then
    update-alternatives --remove '${executable}' '/opt/${sanitizedProductName}/${executable}'
else
    rm -f '/usr/bin/${executable}'
fi

APPARMOR_PROFILE_DEST='/etc/apparmor.d/${executable}'

# Remove and unload apparmor profile.
if [ -f "$APPARMOR_PROFILE_DEST" ]; then
  # Unload the profile from the running kernel before deleting the file so the
  # policy is not left enforced until the next reboot.  Mirror the chroot guard
  # used in the after-install script — live AppArmor operations are not
  # meaningful inside a chroot.
  # https://wiki.debian.org/AppArmor/HowToUse
  if apparmor_status --enabled > /dev/null 2>&1; then
    if ! { [ -x '/usr/bin/ischroot' ] && /usr/bin/ischroot; } && hash apparmor_parser 2>/dev/null; then
      apparmor_parser --remove "$APPARMOR_PROFILE_DEST" || true
    fi
  fi
  rm -f "$APPARMOR_PROFILE_DEST"
fi