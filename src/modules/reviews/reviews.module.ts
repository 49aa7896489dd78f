import { Module } from '@nestjs/common';
import { PractitionersModule } from '../practitioners/practitioners.module.js';
import { ReviewsController } from './reviews.controller.js';
import { ReviewsService } from './reviews.service.js';

@Module({ imports: [PractitionersModule], controllers: [ReviewsController], providers: [ReviewsService] })
export class ReviewsModule {}
