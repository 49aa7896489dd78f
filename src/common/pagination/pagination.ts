import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

/** `?page=1&limit=20` (SPEC §4.0): page ≥ 1, 1 ≤ limit ≤ 100. Extend it in list query DTOs. */
export class PaginationQueryDto {
  @ApiPropertyOptional({ default: 1, minimum: 1 })
  @IsOptional() @Type(() => Number) @IsInt() @Min(1)
  page: number = 1;

  @ApiPropertyOptional({ default: 20, minimum: 1, maximum: 100 })
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(100)
  limit: number = 20;
}

export interface PageInfo {
  total: number;
  page: number;
  pages: number;
  limit: number;
}

/** Prisma `skip`/`take` for a page. */
export function pageArgs(q: { page: number; limit: number }): { skip: number; take: number } {
  return { skip: (q.page - 1) * q.limit, take: q.limit };
}

/** `{ total, page, pages, limit }` to spread next to the resource-named list (`{ employees, ...pageInfo }`). */
export function pageInfo(total: number, q: { page: number; limit: number }): PageInfo {
  return { total, page: q.page, pages: Math.ceil(total / q.limit), limit: q.limit };
}

/** The paging fields of every list response; list DTOs extend it next to their resource-named array. */
export class PageInfoDto implements PageInfo {
  @ApiProperty() total: number;
  @ApiProperty() page: number;
  @ApiProperty() pages: number;
  @ApiProperty() limit: number;
}
