#!/usr/bin/python3
"""scripts/check_layers.py: the repository passes, and each kind of violation added to a copy of it
fails with a line naming the file and the reason."""

import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHECK = ROOT / "scripts" / "check_layers.py"


def run_check(root: Path):
    result = subprocess.run([sys.executable, str(CHECK), str(root)], capture_output=True, text=True)
    return result.returncode, result.stdout + result.stderr


class CheckLayersTest(unittest.TestCase):
    def setUp(self):
        self.tmp = Path(tempfile.mkdtemp(prefix="check_layers_test."))
        shutil.copytree(ROOT / "src", self.tmp / "src")
        (self.tmp / "docs").mkdir()
        shutil.copy(ROOT / "docs" / "architecture.md", self.tmp / "docs")
        shutil.copy(ROOT / "CMakeLists.txt", self.tmp)

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def append(self, relative: str, text: str):
        with open(self.tmp / relative, "a", encoding="utf-8") as f:
            f.write(text)

    def test_the_repository_passes(self):
        code, output = run_check(ROOT)
        self.assertEqual(code, 0, output)

    def test_the_unchanged_copy_passes(self):
        code, output = run_check(self.tmp)
        self.assertEqual(code, 0, output)

    def test_an_upward_include_fails_naming_file_and_line(self):
        # common is the bottom layer; cli (main() and the wiring) is the top.
        lines = (self.tmp / "src/common/status.h").read_text().count("\n")
        self.append("src/common/status.h", '#include "cli/commands.h"\n')
        code, output = run_check(self.tmp)
        self.assertEqual(code, 1, output)
        self.assertIn(f'src/common/status.h:{lines + 1}: common (layer 0) includes "cli/commands.h"',
                      output)
        self.assertIn("dependencies only point down", output)

    def test_an_include_between_units_of_one_layer_fails(self):
        self.append("src/stats/drift.h", '#include "http/http.h"\n')
        code, output = run_check(self.tmp)
        self.assertEqual(code, 1, output)
        self.assertIn('src/stats/drift.h:', output)
        self.assertIn('includes "http/http.h"', output)

    def test_another_units_detail_header_fails(self):
        details = sorted((self.tmp / "src/ingest/detail").glob("*.h"))
        self.assertTrue(details)
        header = "ingest/detail/" + details[0].name
        self.append("src/cli/main.cc", f'#include "{header}"\n')
        code, output = run_check(self.tmp)
        self.assertEqual(code, 1, output)
        self.assertIn(f'includes "{header}", a detail/ header private to ingest', output)

    def test_a_missing_cmake_dependency_fails(self):
        cmake = self.tmp / "CMakeLists.txt"
        text = cmake.read_text()
        self.assertIn("mw_library(store DEPS mw_common", text)
        cmake.write_text(text.replace("mw_library(store DEPS mw_common", "mw_library(store DEPS", 1))
        code, output = run_check(self.tmp)
        self.assertEqual(code, 1, output)
        self.assertIn("mw_library(store) DEPS lack mw_common", output)

    def test_an_extra_cmake_dependency_fails(self):
        cmake = self.tmp / "CMakeLists.txt"
        text = cmake.read_text()
        cmake.write_text(text.replace("mw_library(stats DEPS mw_common", "mw_library(stats DEPS mw_common mw_http", 1))
        code, output = run_check(self.tmp)
        self.assertEqual(code, 1, output)
        self.assertIn("mw_library(stats) DEPS list mw_http", output)

    def test_a_folder_outside_the_table_fails(self):
        (self.tmp / "src/newroom").mkdir()
        (self.tmp / "src/newroom/thing.h").write_text("#pragma once\n")
        code, output = run_check(self.tmp)
        self.assertEqual(code, 1, output)
        self.assertIn("src/newroom/ is in no row of the layer table", output)


if __name__ == "__main__":
    unittest.main()
