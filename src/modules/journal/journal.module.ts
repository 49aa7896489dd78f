import { Module } from '@nestjs/common';
import { JournalExportService } from './journal-export.service.js';
import { JournalTagHasher } from './journal-tags.js';
import { JournalController } from './journal.controller.js';
import { JournalService } from './journal.service.js';

@Module({ controllers: [JournalController], providers: [JournalService, JournalExportService, JournalTagHasher], exports: [JournalService] })
export class JournalModule {}
