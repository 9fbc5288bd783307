#!/usr/bin/env node
import { main } from '../dist/cli-bundle/lakebox.js';

process.exitCode = await main(process.argv);
