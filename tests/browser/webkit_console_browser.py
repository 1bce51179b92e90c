#!/usr/bin/python3
"""A minimal WebKitGTK browser for WebKitWebDriver that prints every console message.

MiniBrowser in automation mode runs an ephemeral session whose console goes nowhere; this
browser gives WebKitWebDriver the same automation hooks (`automation-started`,
`create-web-view`) with a non-ephemeral temporary profile and
`enable-write-console-messages-to-stdout`, so WebKit's own CORS errors reach the suite
(`CONSOLE SECURITY ERROR ...` lines on stdout).

Arguments (after the `--automation` the driver is given): `--profile=DIR` keeps the
profile there (the suite removes it; the driver ends this process with a signal, so it
cannot clean up itself); `--proxy=HOST:PORT` sends every request through that HTTP proxy
(the suite's loopback forwarder); `--ignore-tls-errors` accepts the suite's self-signed
certificate.
"""

import sys
import tempfile

import gi

gi.require_version("Gtk", "3.0")
gi.require_version("WebKit2", "4.1")
from gi.repository import Gtk, WebKit2  # noqa: E402

args = sys.argv[1:]


def option(name):
    prefix = f"--{name}="
    return next((a[len(prefix):] for a in args if a.startswith(prefix)), None)


proxy = option("proxy")
profile = option("profile") or tempfile.mkdtemp(prefix="webkit-console-browser-")

manager = WebKit2.WebsiteDataManager(
    base_data_directory=profile, base_cache_directory=profile
)
if proxy:
    manager.set_network_proxy_settings(
        WebKit2.NetworkProxyMode.CUSTOM,
        WebKit2.NetworkProxySettings.new(f"http://{proxy}", None),
    )
if "--ignore-tls-errors" in args:
    manager.set_tls_errors_policy(WebKit2.TLSErrorsPolicy.IGNORE)
context = WebKit2.WebContext.new_with_website_data_manager(manager)
context.get_cookie_manager().set_accept_policy(WebKit2.CookieAcceptPolicy.ALWAYS)
context.set_automation_allowed(True)
settings = WebKit2.Settings(enable_write_console_messages_to_stdout=True)
windows = []


def create_web_view(_session):
    view = WebKit2.WebView(
        web_context=context, settings=settings, is_controlled_by_automation=True
    )
    window = Gtk.Window()
    window.add(view)
    window.show_all()
    windows.append(window)
    return view


def automation_started(_context, session):
    info = WebKit2.ApplicationInfo()
    info.set_name("MiniBrowser")
    info.set_version(2, 50, 0)
    session.set_application_info(info)
    session.connect("create-web-view", create_web_view)


context.connect("automation-started", automation_started)
Gtk.main()
