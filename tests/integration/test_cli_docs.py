# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The vdp authors.
"""docs/cli.md documents exactly the commands of the help tables; a
--cmdline-file runs at start-up and a bad line in it does not stop vdp."""

import os
import re

from vdptest import ROOT, Vdp


def test_cmdline_file_and_docs_match_help(sockdir, procs):
    cmds = os.path.join(sockdir, "cmds")
    with open(cmds, "w") as f:
        f.write("# start-up commands\nset fwd macswap\n\nshow config fwd\nbogus\nset burst 8\n")
    vdp = Vdp(["--vhost", os.path.join(sockdir, "a.sock"), "--cmdline-file", cmds])
    procs.append(vdp)
    vdp.wait_started()
    out = vdp.output()
    assert "vdp> set fwd macswap\nSet macswap packet forwarding mode" in out
    assert "macswap packet forwarding - ports=1" in out
    assert "vdp> bogus\nerror: unknown command 'bogus'" in out
    assert "Number of packets per burst set to 8" in out
    assert "start-up commands" not in out
    assert vdp.ctl_json("show", "config", "fwd")["burst"] == 8

    groups = vdp.ctl_json("help")["groups"]
    syntax = [c["syntax"] for g in groups for c in g["commands"]]
    text = vdp.ctl_ok("help")
    for g in groups:
        assert "%s: %s" % (g["name"], g["help"]) in text
        for c in g["commands"]:
            assert re.search(r"^  %s\s+%s$" % (re.escape(c["syntax"]), re.escape(c["help"])),
                             text, re.M), c

    with open(os.path.join(ROOT, "docs", "cli.md")) as f:
        doc = f.read()
    documented = re.findall(r"^### `(.*)`$", doc, re.M)
    assert sorted(documented) == sorted(syntax)
    doc_groups = re.findall(r"^## (\w+): (.*)$", doc, re.M)
    assert doc_groups == [(g["name"], g["help"]) for g in groups]
    # Every command has an example.
    for s in syntax:
        section = doc.split("### `%s`" % s, 1)[1].split("\n### ", 1)[0]
        assert "```" in section, s

    rc, _, err = vdp.ctl("help", "--json", "nosuch")
    assert rc == 1 and "no command group" in err
